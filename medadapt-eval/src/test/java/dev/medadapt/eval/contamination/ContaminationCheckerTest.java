package dev.medadapt.eval.contamination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.eval.bench.Question;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContaminationCheckerTest {
  @TempDir Path tmp;

  private static Question q(String id, String text) {
    return new Question(id, "b", text, List.of("x", "y"), "A", null);
  }

  @Test
  void tokensAreLowercaseWordsWithoutPunctuation() {
    assertThat(WordNgrams.tokens("A 45-year-old MAN, with T2DM; presents!")).containsExactly(
        "a", "45", "year", "old", "man", "with", "t2dm", "presents");
    assertThat(WordNgrams.ngrams("a b c a b", 2)).containsExactly("a b", "b c", "c a");
    assertThat(WordNgrams.ngrams("a b", 3)).isEmpty();
  }

  @Test
  void countsQuestionsWithAnySharedNgramPerBenchmark() throws IOException {
    Path train = tmp.resolve("train.jsonl");
    Files.writeString(train,
        "{\"text\": \"Intro. A 45-year-old man presents with crushing chest pain radiating to the left arm. Next.\"}\n"
            + "{\"messages\": [{\"role\": \"user\", \"content\": \"Which vitamin deficiency causes scurvy in sailors\"}]}\n"
            + "{\"text\": \"unrelated text about nothing in particular at all here\"}\n");
    Map<String, List<Question>> b = new LinkedHashMap<>();
    b.put("med", List.of(
        q("m1", "a 45 year old man presents with crushing chest pain radiating"), // 11 tokens, overlaps at n=5
        q("m2", "which drug is first line for hypertension in pregnancy"),
        q("m3", "short")));
    b.put("vit", List.of(q("v1", "Which vitamin deficiency causes scurvy?")));
    ContaminationReport r = ContaminationChecker.builder().n(5).trainFields(List.of("text", "messages")).build()
        .check(train, b, ProgressListener.NONE);
    assertThat(r.trainRecords()).isEqualTo(3);
    BenchmarkOverlap med = r.benchmarks().get(0);
    assertThat(med.questions()).isEqualTo(3);
    assertThat(med.contaminated()).isEqualTo(1);
    assertThat(med.tooShort()).isEqualTo(1);
    assertThat(med.exampleIds()).containsExactly("m1");
    assertThat(med.overlappingNgrams()).isEqualTo(7); // all 11 - 5 + 1 windows of m1
    assertThat(med.fraction()).isEqualTo(1.0 / 3);
    BenchmarkOverlap vit = r.benchmarks().get(1);
    assertThat(vit.contaminated()).isEqualTo(1);
    assertThat(vit.overlappingNgrams()).isEqualTo(1);
    // at the default 13 nothing is long enough to overlap
    ContaminationReport r13 = ContaminationChecker.builder().trainFields(List.of("text", "messages")).build()
        .check(train, b, ProgressListener.NONE);
    assertThat(r13.n()).isEqualTo(13);
    assertThat(r13.benchmarks()).allMatch(o -> o.contaminated() == 0);
  }

  @Test
  void missingFieldsAndBadConfig() throws IOException {
    Path train = tmp.resolve("t.jsonl");
    Files.writeString(train, "{\"text\": \"a b c\"}\n{\"body\": \"a b c\"}\n");
    assertThatThrownBy(() -> ContaminationChecker.builder().build().check(train, Map.of("x", List.of()), ProgressListener.NONE))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("t.jsonl:2: none of the fields [text]");
    assertThatThrownBy(() -> ContaminationChecker.builder().n(0).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("n must be in [1, 100], was 0");
  }
}
