package dev.medadapt.eval.bench;

import dev.medadapt.core.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where each benchmark's original files sit in a data folder laid out like the public data set collection
 * ({@code medqa_us/phrases_no_exclude_test.jsonl}, {@code medmcqa/dev.json}, {@code mmlu_medical/},
 * {@code pubmedqa/}, {@code mirage/benchmark.json}), and loading a seeded subset from it.
 */
public final class StandardLayout {
  private static final Map<String, String> PATHS =
      Map.of(
          "medqa", "medqa_us/phrases_no_exclude_test.jsonl",
          "medmcqa", "medmcqa/dev.json",
          "mmlu", "mmlu_medical",
          "pubmedqa", "pubmedqa",
          "mirage", "mirage/benchmark.json");

  private StandardLayout() {}

  /** The file or folder of benchmark {@code name} (a {@link BenchmarkLoaders} name) under {@code dataDir}. */
  public static Path locate(Path dataDir, String name) {
    String family = name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
    String rel = PATHS.get(family);
    if (rel == null) {
      throw new ConfigurationException(
          "no standard location for benchmark \"" + name + "\"; known: " + PATHS.keySet().stream().sorted().toList());
    }
    Path p = dataDir.resolve(rel);
    if (!Files.exists(p)) {
      throw new ConfigurationException("benchmark " + name + ": " + p + " does not exist (check the data folder)");
    }
    return p;
  }

  /**
   * Loads benchmark {@code name} from {@code dataDir} and draws {@code n} questions with {@link
   * Subsets#shuffled} (all when {@code n == 0}).
   */
  /** All questions of benchmark {@code name} from its standard location under {@code dataDir}. */
  public static List<Question> load(Path dataDir, String name) {
    return BenchmarkLoaders.forName(name).load(locate(dataDir, name));
  }

  /**
   * A seeded subset of {@code n} questions (0 = all) of benchmark {@code name}, for work outside an {@link
   * dev.medadapt.eval.run.EvalRunner} run (which draws its own subset) that must see the same questions, such as the
   * IR baselines of a study.
   */
  public static List<Question> load(Path dataDir, String name, int n, long seed) {
    List<Question> qs = BenchmarkLoaders.forName(name).load(locate(dataDir, name));
    return Subsets.shuffled(qs, seed, n == 0 ? qs.size() : n);
  }
}
