package dev.medadapt.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.core.testing.TestResources;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Real data: official counts, and every loader agrees item by item with MIRAGE's benchmark.json. */
class BenchmarksIT {

  private static Map<String, Question> mirage(String set) {
    return BenchmarkLoaders.forName("mirage:" + set).load(TestResources.sharedData("mirage/benchmark.json"))
        .stream().collect(Collectors.toMap(Question::id, Function.identity()));
  }

  private static void sameAsMirage(List<Question> ours, Map<String, Question> theirs, boolean sameOptions) {
    assertThat(ours).hasSameSizeAs(theirs.values());
    for (Question q : ours) {
      Question m = theirs.get(q.id());
      assertThat(m).as(q.id()).isNotNull();
      assertThat(q.answer()).as(q.id()).isEqualTo(m.answer());
      if (sameOptions) {
        assertThat(q.question()).as(q.id()).isEqualTo(m.question());
        assertThat(q.options()).as(q.id()).isEqualTo(m.options());
      }
    }
  }

  @Test
  void medqaUs1273() {
    List<Question> qs = BenchmarkLoaders.forName("medqa").load(TestResources.sharedData("medqa_us/phrases_no_exclude_test.jsonl"));
    assertThat(qs).hasSize(1273);
    sameAsMirage(qs, mirage("medqa"), false);
  }

  @Test
  void medmcqaDev4183() {
    List<Question> qs = BenchmarkLoaders.forName("medmcqa").load(TestResources.sharedData("medmcqa/dev.json"));
    assertThat(qs).hasSize(4183);
    assertThat(qs.stream().collect(Collectors.groupingBy(Question::answer, Collectors.counting())))
        .containsEntry("A", 1348L).containsEntry("B", 1085L).containsEntry("C", 925L).containsEntry("D", 825L);
    sameAsMirage(qs, mirage("medmcqa"), true);
  }

  @Test
  void mmluMedicalTest1089() {
    List<Question> qs = BenchmarkLoaders.forName("mmlu").load(TestResources.sharedData("mmlu_medical"));
    assertThat(qs).hasSize(1089);
    sameAsMirage(qs, mirage("mmlu"), true);
    assertThat(BenchmarkLoaders.forName("mmlu:dev").load(TestResources.sharedData("mmlu_medical"))).hasSize(30);
    assertThat(BenchmarkLoaders.forName("mmlu:val").load(TestResources.sharedData("mmlu_medical"))).hasSize(123);
  }

  @Test
  void pubmedqaPqaL1000Test500() {
    Path dir = TestResources.sharedData("pubmedqa");
    List<Question> all = BenchmarkLoaders.forName("pubmedqa:all:context").load(dir);
    assertThat(all).hasSize(1000);
    assertThat(all).allMatch(q -> q.context() != null && !q.context().isBlank());
    assertThat(all.stream().collect(Collectors.groupingBy(Question::answer, Collectors.counting())))
        .containsEntry("A", 552L).containsEntry("B", 338L).containsEntry("C", 110L);
    List<Question> test = BenchmarkLoaders.forName("pubmedqa").load(dir);
    assertThat(test).hasSize(500);
    sameAsMirage(test, mirage("pubmedqa"), true);
  }

  @Test
  void mirage7663OverFiveSets() {
    int total = 0;
    Map<String, Integer> expected = Map.of("medqa", 1273, "medmcqa", 4183, "pubmedqa", 500, "bioasq", 618, "mmlu", 1089);
    for (String set : MirageLoader.SETS) {
      int n = mirage(set).size();
      assertThat(n).as(set).isEqualTo(expected.get(set));
      total += n;
    }
    assertThat(total).isEqualTo(7663);
  }
}
