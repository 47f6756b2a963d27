package dev.medadapt.eval.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Precision and recall of the default extractor on the extraction corpus: the tuning portion the
 * rules were developed against and the held-out portion written before the rules were tuned (commit
 * 44a2e65). Both must be 1.0: an answer that is stated and not found is scored wrong, and a guessed
 * letter is worse than an unparsed one.
 */
class ExtractionCorpusTest {
  static final String TUNE = "extraction-corpus.v1.jsonl";
  static final String HELD_OUT = "extraction-heldout.v1.jsonl";

  private final AnswerExtractor extractor = AnswerExtractors.forName("reasoning");

  @Test
  void tuningCorpusIsReadExactly() throws IOException {
    check(ExtractionCorpus.run("tuning corpus", ExtractionCorpus.read(TUNE), extractor), 80);
  }

  @Test
  void heldOutCorpusIsReadExactly() throws IOException {
    check(ExtractionCorpus.run("held-out corpus", ExtractionCorpus.read(HELD_OUT), extractor), 40);
  }

  private static void check(ExtractionCorpus.Result r, int minCases) {
    String report = r.report();
    System.out.print(report);
    ExtractionCorpus.Counts t = r.total();
    assertThat(t.cases()).as("corpus size").isGreaterThanOrEqualTo(minCases);
    assertThat(t.stated()).as("stated answers").isPositive().isLessThan(t.cases());
    assertThat(t.precision()).as(report).isEqualTo(1.0);
    assertThat(t.recall()).as(report).isEqualTo(1.0);
  }

  @Test
  void scoringCountsGuessesAgainstPrecisionAndMissesAgainstRecall() throws IOException {
    // an extractor that always answers "A": right on stated A's, wrong elsewhere, never unparsed
    List<ExtractionCorpus.Case> cases = ExtractionCorpus.read(TUNE);
    ExtractionCorpus.Counts t = ExtractionCorpus.run("always-A", cases, (o, q) -> Extraction.of("A", "guess")).total();
    long statedA = cases.stream().filter(c -> "A".equals(c.expected())).count();
    assertThat(t.parsed()).isEqualTo(cases.size());
    assertThat(t.found()).isEqualTo(statedA);
    assertThat(t.falseParse()).isEqualTo(cases.stream().filter(c -> !c.stated()).count());
    assertThat(t.precision()).isLessThan(0.5);
    // an extractor that never answers: precision is vacuous, recall is zero
    ExtractionCorpus.Counts none = ExtractionCorpus.run("never", cases, (o, q) -> Extraction.unparsed("x")).total();
    assertThat(none.recall()).isZero();
    assertThat(none.missed()).isEqualTo(none.stated());
  }

  @Test
  void corpusErrorsNameLineAndField() {
    assertThatThrownBy(() -> ExtractionCorpus.read("extraction-corpus-bad.jsonl"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("extraction-corpus-bad.jsonl:2")
        .hasMessageContaining("\"expected\"")
        .hasMessageContaining("A..B");
  }
}
