package dev.medadapt.eval.bench.internal;

import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.core.io.JsonLines;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.eval.bench.Question;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.zip.GZIPInputStream;

/** File reading shared by the loaders: strict UTF-8, JSON Lines with line numbers, uniform errors. */
public final class Sources {
  /**
   * Jackson's mapper is thread-safe once configured and is never reconfigured. Duplicate keys are an
   * error: in MIRAGE's and PubMedQA's JSON the keys are the question ids, and last-one-wins would hide
   * a duplicate id.
   */
  public static final ObjectMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private Sources() {}

  /** A reader that fails on malformed UTF-8 instead of inserting U+FFFD; gunzips {@code .gz} files. */
  public static BufferedReader utf8(Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        throw new DataFormatException(file + ": not a readable file");
      }
      InputStream in = Files.newInputStream(file);
      if (file.getFileName().toString().endsWith(".gz")) {
        in = new GZIPInputStream(in, 1 << 16);
      }
      Reader r =
          new InputStreamReader(
              in,
              StandardCharsets.UTF_8
                  .newDecoder()
                  .onMalformedInput(CodingErrorAction.REPORT)
                  .onUnmappableCharacter(CodingErrorAction.REPORT));
      return new BufferedReader(r, 1 << 16);
    } catch (IOException e) {
      throw new DataFormatException(file + ": cannot open: " + e.getMessage(), e);
    }
  }

  /** Reads a whole JSON document. */
  public static JsonNode readJson(Path file) {
    try (BufferedReader r = utf8(file)) {
      return JSON.readTree(r);
    } catch (CharacterCodingException e) {
      throw new DataFormatException(file + ": not valid UTF-8", e);
    } catch (JsonProcessingException e) {
      throw new DataFormatException(file + ": invalid JSON: " + e.getOriginalMessage() + locationOf(e), e);
    } catch (IOException e) {
      throw new DataFormatException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * Calls {@code each} with every non-blank line of a JSON Lines file parsed as a JSON object, and its
   * 1-based line number. A line that is not a JSON object is an error naming file and line; a file that
   * is one JSON array or object spread over lines is reported as such.
   */
  public static void forEachJsonLine(Path file, BiConsumer<JsonNode, Integer> each) {
    JsonLines.forEachObject(file, "benchmark", BadRowPolicy.FAIL, row -> each.accept(row.node(), (int) row.line()));
  }


  /** A required string field; {@code where} is "file:line" or "file: id". */
  public static String text(JsonNode node, String field, String where) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new DataFormatException(where + ": field '" + field + "' is missing");
    }
    if (!v.isTextual()) {
      throw new DataFormatException(
          where + ": field '" + field + "' must be a string, was " + v.getNodeType().name().toLowerCase());
    }
    return v.textValue();
  }

  /** A required non-empty option text. */
  public static String optionText(JsonNode node, String field, String where) {
    String s = text(node, field, where);
    if (s.isEmpty()) {
      throw new DataFormatException(where + ": option field '" + field + "' is empty");
    }
    return s;
  }

  /**
   * Options given as a JSON object keyed by letter: keys must be exactly A, B, C, ... in some order;
   * returns the texts in letter order.
   */
  public static List<String> optionsByLetter(JsonNode node, String field, String where) {
    JsonNode o = node.get(field);
    if (o == null || o.isNull()) {
      throw new DataFormatException(where + ": field '" + field + "' (the options) is missing");
    }
    if (!o.isObject() || o.size() == 0) {
      throw new DataFormatException(where + ": field '" + field + "' must be a non-empty object letter -> text");
    }
    if (o.size() > 26) {
      throw new DataFormatException(where + ": field '" + field + "' has " + o.size() + " options, at most 26 allowed");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < o.size(); i++) {
      String letter = Question.letter(i);
      if (!o.has(letter)) {
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        throw new DataFormatException(
            where + ": field '" + field + "' must have the letters A.." + Question.letter(o.size() - 1)
                + " as keys, has " + keys);
      }
      out.add(optionText(o, letter, where + ": " + field));
    }
    return out;
  }

  /** Checks an answer letter against the option count. */
  public static String answerLetter(String answer, int options, String field, String where) {
    if (answer.length() != 1 || answer.charAt(0) < 'A' || answer.charAt(0) >= 'A' + options) {
      throw new DataFormatException(
          where + ": field '" + field + "': unknown answer key \"" + answer + "\", expected one of A.."
              + Question.letter(options - 1));
    }
    return answer;
  }

  /** Fails on a repeated id, naming both places. */
  public static final class IdSet {
    private final Map<String, String> seen = new HashMap<>();

    public void add(String id, String where) {
      String before = seen.putIfAbsent(id, where);
      if (before != null) {
        throw new DataFormatException(where + ": duplicate id \"" + id + "\" (first seen at " + before + ")");
      }
    }
  }

  private static String locationOf(JsonProcessingException e) {
    return e.getLocation() == null
        ? ""
        : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
  }
}
