package dev.medadapt.eval.score;

import com.fasterxml.jackson.databind.JsonNode;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.eval.bench.internal.Sources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Other systems' raw outputs, keyed by question id; each id has a list of responses, of which the
 * first is scored.
 *
 * <p>Two layouts are read by {@link #read(Path)}:
 *
 * <ul>
 *   <li>a JSON Lines file (gzipped when its name ends in {@code .gz}), one object per question:
 *       {@code {"id": ..., "output": "raw text"}} or {@code {"id": ..., "responses": ["raw", ...]}};
 *   <li>a MIRAGE prediction folder ({@code prediction/<set>/cot/<llm>/} in the MIRAGE repository):
 *       one file {@code <split>_<id>.json} per question holding a JSON list of raw responses, the
 *       split being {@code test} ({@code dev} for MedMCQA). Other files in the folder are ignored.
 * </ul>
 *
 * <p>Duplicate ids, a record without an id, or a record with neither or both of {@code output} and
 * {@code responses} are errors naming the file and line.
 *
 * @param source where the predictions came from (for messages)
 * @param responses id -> responses, in file order
 */
public record Predictions(String source, Map<String, List<String>> responses) {

  public Predictions {
    responses = Collections.unmodifiableMap(new LinkedHashMap<>(responses));
  }

  /** Reads a JSONL file or a MIRAGE prediction folder (one holding the {@code <split>_<id>.json} files). */
  public static Predictions read(Path path) {
    return Files.isDirectory(path) ? readMirageFolder(path) : readJsonl(path);
  }

  /**
   * Like {@link #read(Path)}, but a folder above the prediction files is accepted too: when
   * {@code path} holds no prediction files itself, the single folder below {@code path/<dataset>}
   * (or below {@code path}) that holds them is used, e.g. MIRAGE's {@code prediction/} root with
   * dataset {@code medqa} finds {@code prediction/medqa/cot/OpenAI/gpt-35-turbo-16k} when that is the
   * only run there. Several candidate folders are an error listing them.
   */
  public static Predictions read(Path path, String dataset) {
    if (!Files.isDirectory(path) || hasPredictionFiles(path)) {
      return read(path);
    }
    Path base = dataset != null && Files.isDirectory(path.resolve(dataset)) ? path.resolve(dataset) : path;
    List<Path> candidates;
    try (Stream<Path> s = Files.walk(base)) {
      candidates = s.filter(Files::isDirectory).filter(Predictions::hasPredictionFiles).sorted().toList();
    } catch (IOException e) {
      throw new DataFormatException(base + ": cannot list prediction folders: " + e.getMessage(), e);
    }
    if (candidates.size() == 1) {
      return readMirageFolder(candidates.get(0));
    }
    if (candidates.isEmpty()) {
      throw new DataFormatException(path + ": no MIRAGE prediction files (test_<id>.json or dev_<id>.json) in it or below it");
    }
    throw new DataFormatException(
        base + ": several prediction folders, name one of them: "
            + candidates.stream().map(Path::toString).limit(10).toList());
  }

  private static boolean hasPredictionFiles(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .anyMatch(n -> n.endsWith(".json") && (n.startsWith("test_") || n.startsWith("dev_")));
    } catch (IOException e) {
      return false;
    }
  }

  static Predictions readJsonl(Path file) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    Map<String, Integer> lines = new LinkedHashMap<>();
    Sources.forEachJsonLine(
        file,
        (node, line) -> {
          String where = file + ":" + line;
          JsonNode id = node.get("id");
          if (id == null || id.isNull() || !(id.isTextual() || id.canConvertToExactIntegral())) {
            throw new DataFormatException(where + ": field 'id' is missing or not a string/integer");
          }
          String key = id.asText();
          boolean hasOutput = node.has("output");
          boolean hasResponses = node.has("responses");
          if (hasOutput == hasResponses) {
            throw new DataFormatException(
                where + ": a prediction needs exactly one of 'output' (string) or 'responses' (list of strings)");
          }
          List<String> responses;
          if (hasOutput) {
            responses = List.of(Sources.text(node, "output", where));
          } else {
            responses = strings(node.get("responses"), where + ": field 'responses'");
          }
          Integer before = lines.putIfAbsent(key, line);
          if (before != null) {
            throw new DataFormatException(where + ": duplicate prediction for id \"" + key + "\" (first at line " + before + ")");
          }
          out.put(key, responses);
        });
    return new Predictions(file.toString(), out);
  }

  static Predictions readMirageFolder(Path dir) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new DataFormatException(dir + ": cannot list prediction folder: " + e.getMessage(), e);
    }
    for (Path f : files) {
      String name = f.getFileName().toString();
      String id;
      if (name.startsWith("test_")) {
        id = name.substring(5, name.length() - 5);
      } else if (name.startsWith("dev_")) {
        id = name.substring(4, name.length() - 5);
      } else {
        continue;
      }
      if (out.containsKey(id)) {
        throw new DataFormatException(dir + ": both test_" + id + ".json and dev_" + id + ".json exist");
      }
      out.put(id, strings(Sources.readJson(f), f.toString()));
    }
    if (out.isEmpty()) {
      throw new DataFormatException(dir + ": no MIRAGE prediction files (test_<id>.json or dev_<id>.json)");
    }
    return new Predictions(dir.toString(), out);
  }

  private static List<String> strings(JsonNode node, String where) {
    if (node == null || !node.isArray()) {
      throw new DataFormatException(where + ": expected a JSON list of response strings");
    }
    List<String> out = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      if (!node.get(i).isTextual()) {
        throw new DataFormatException(where + "[" + i + "]: expected a string, was " + node.get(i).getNodeType().name().toLowerCase());
      }
      out.add(node.get(i).textValue());
    }
    return List.copyOf(out);
  }
}
