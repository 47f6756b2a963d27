package dev.medadapt.eval.contamination;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.eval.bench.BenchmarkLoaders;
import dev.medadapt.eval.bench.Question;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real data: MedQA's own file used as "training data" contaminates every MedQA question long enough
 * to check. Against MMLU-Med it flags 68 of 1,089 questions (6.2%), all in professional_medicine,
 * mostly through USMLE boilerplate ("which of the following is the most appropriate next step in
 * management"), a known false-positive source of 13-gram checks; the count was cross-checked with an
 * independent Python tokenisation ({@code [^\W_]+} on lower-cased text).
 */
class ContaminationIT {

  @Test
  void medqaFileAgainstMiragesMedqaAndMmlu() {
    Path medqa = TestResources.sharedData("medqa_us/phrases_no_exclude_test.jsonl");
    Path mirage = TestResources.sharedData("mirage/benchmark.json");
    Map<String, List<Question>> b = new LinkedHashMap<>();
    b.put("medqa", BenchmarkLoaders.forName("mirage:medqa").load(mirage));
    b.put("mmlu", BenchmarkLoaders.forName("mirage:mmlu").load(mirage));
    ContaminationReport r = ContaminationChecker.builder().trainFields(List.of("question")).build()
        .check(medqa, b, ProgressListener.NONE);
    assertThat(r.trainRecords()).isEqualTo(1273);
    BenchmarkOverlap q = r.benchmarks().get(0);
    assertThat(q.questions()).isEqualTo(1273);
    assertThat(q.tooShort()).isGreaterThanOrEqualTo(0).isLessThan(10);
    assertThat(q.contaminated()).isEqualTo(q.questions() - q.tooShort());
    BenchmarkOverlap m = r.benchmarks().get(1);
    assertThat(m.questions()).isEqualTo(1089);
    assertThat(m.contaminated()).isEqualTo(68);
    assertThat(m.exampleIds()).hasSize(10).allMatch(id -> id.startsWith("professional_medicine-"));
  }
}
