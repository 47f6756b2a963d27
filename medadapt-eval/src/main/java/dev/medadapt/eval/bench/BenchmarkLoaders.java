package dev.medadapt.eval.bench;

import dev.medadapt.core.ConfigurationException;
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
}
