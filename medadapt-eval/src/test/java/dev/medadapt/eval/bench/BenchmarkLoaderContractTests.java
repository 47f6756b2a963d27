package dev.medadapt.eval.bench;

import dev.medadapt.core.testing.TestResources;
import dev.medadapt.eval.testing.BenchmarkLoaderContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;

/** The loader contract for each benchmark format, on the samples in testdata/eval. */
class BenchmarkLoaderContractTests {
  abstract static class Sample extends BenchmarkLoaderContract {
    private final String name;
    private final String path;
    private final int count;

    Sample(String name, String path, int count) {
      this.name = name;
      this.path = path;
      this.count = count;
    }

    @Override
    protected BenchmarkLoader loader() {
      return BenchmarkLoaders.forName(name);
    }

    @Override
    protected Path sample() {
      return TestResources.testdata("eval/" + path);
    }

    @Override
    protected int expectedCount() {
      return count;
    }
  }

  @Nested
  class MedQa extends Sample {
    MedQa() {
      super("medqa", "medqa_sample.jsonl", 4); // 4 JSON lines
    }
  }

  @Nested
  class MedMcqa extends Sample {
    MedMcqa() {
      super("medmcqa", "medmcqa_sample.json", 4); // 4 JSON lines
    }
  }

  @Nested
  class Mmlu extends Sample {
    Mmlu() {
      super("mmlu", "mmlu", 19); // CSV records over the six subject files (quoted newlines included)
    }
  }

  @Nested
  class PubMedQa extends Sample {
    PubMedQa() {
      super("pubmedqa", "pubmedqa", 3); // the test split: ids in test_ground_truth.json
    }
  }

  @Nested
  class MirageMedQa extends Sample {
    MirageMedQa() {
      super("mirage:medqa", "mirage_benchmark_sample.json", 3); // items under "medqa"
    }
  }
}
