package dev.medadapt.eval.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.eval.bench.internal.Sources;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The benchmark loaders by name. Names:
 *
 * <ul>
 *   <li>{@code medqa}: {@link MedQaLoader}; {@code medmcqa}: {@link MedMcqaLoader}
 *   <li>{@code mmlu} (test split), {@code mmlu:dev}, {@code mmlu:val}: {@link MmluLoader}
 *   <li>{@code pubmedqa} (500 test questions, no abstract), {@code pubmedqa:context} (with the
 *       abstract), {@code pubmedqa:all}, {@code pubmedqa:all:context} (all 1,000): {@link PubMedQaLoader}
 *   <li>{@code mirage:<set>} for the sets {@code mmlu, medqa, medmcqa, pubmedqa, bioasq}: {@link MirageLoader}
 *   <li>{@code jsonl}: {@link JsonlLoader} with its default field mapping
 * </ul>
 *
 * <p>Each call returns a new loader; there is no mutable global registry.
 */
public final class BenchmarkLoaders {
  private BenchmarkLoaders() {}

  /** Every name {@link #forName} accepts. */
  public static List<String> names() {
    return List.of(
        "medqa", "medmcqa", "mmlu", "mmlu:dev", "mmlu:val",
        "pubmedqa", "pubmedqa:context", "pubmedqa:all", "pubmedqa:all:context",
        "mirage:mmlu", "mirage:medqa", "mirage:medmcqa", "mirage:pubmedqa", "mirage:bioasq",
        "jsonl");
  }

  /** The loader called {@code name}. */
  public static BenchmarkLoader forName(String name) {
    if (name == null) {
      throw new ConfigurationException("benchmark name must be set, one of " + names());
    }
    switch (name) {
      case "medqa":
        return new MedQaLoader();
      case "medmcqa":
        return new MedMcqaLoader();
      case "mmlu":
        return new MmluLoader("test");
      case "mmlu:dev":
        return new MmluLoader("dev");
      case "mmlu:val":
        return new MmluLoader("val");
      case "pubmedqa":
        return new PubMedQaLoader(PubMedQaLoader.Split.TEST, false);
      case "pubmedqa:context":
        return new PubMedQaLoader(PubMedQaLoader.Split.TEST, true);
      case "pubmedqa:all":
        return new PubMedQaLoader(PubMedQaLoader.Split.ALL, false);
      case "pubmedqa:all:context":
        return new PubMedQaLoader(PubMedQaLoader.Split.ALL, true);
      case "jsonl":
        return JsonlLoader.builder().build();
      default:
        if (name.startsWith("mirage:") && MirageLoader.SETS.contains(name.substring(7))) {
          return new MirageLoader(name.substring(7));
        }
        throw new ConfigurationException("unknown benchmark \"" + name + "\", expected one of " + names());
    }
  }

  /**
   * The loader for {@code dataset} read from {@code data}: when {@code data} is a MIRAGE
   * {@code benchmark.json} (a JSON object whose first key is one of {@link MirageLoader#SETS}),
   * {@code dataset} names the set ({@code mmlu, medqa, medmcqa, pubmedqa, bioasq}, or
   * {@code mirage:<set>}); otherwise {@code dataset} is a {@link #forName} name.
   */
  public static BenchmarkLoader forData(String dataset, Path data) {
    if (dataset != null && dataset.startsWith("mirage:")) {
      return forName(dataset);
    }
    if (isMirageBenchmark(data)) {
      String set = "bioasq".equals(dataset) ? dataset : dataset == null ? null : dataset.split(":")[0];
      if (set == null || !MirageLoader.SETS.contains(set)) {
        throw new ConfigurationException(
            data + " is a MIRAGE benchmark.json: dataset must be one of " + MirageLoader.SETS + ", was " + dataset);
      }
      return new MirageLoader(set);
    }
    if ("bioasq".equals(dataset)) {
      throw new ConfigurationException("dataset bioasq is only available from a MIRAGE benchmark.json; " + data + " is not one");
    }
    return forName(dataset);
  }

  private static boolean isMirageBenchmark(Path data) {
    if (!Files.isRegularFile(data) || !data.getFileName().toString().endsWith(".json")) {
      return false;
    }
    try (Reader r = Sources.utf8(data);
        JsonParser p = Sources.JSON.getFactory().createParser(r)) {
      return p.nextToken() == JsonToken.START_OBJECT
          && p.nextToken() == JsonToken.FIELD_NAME
          && MirageLoader.SETS.contains(p.currentName())
          && p.nextToken() == JsonToken.START_OBJECT;
    } catch (IOException e) {
      return false; // not JSON at all: the named loader reports the problem with file and line
    }
  }
}
