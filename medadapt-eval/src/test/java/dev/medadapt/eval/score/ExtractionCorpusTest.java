package dev.medadapt.eval.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.DataFormatException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Precision and recall of the default extractor on the extraction corpus: the tuning file the rules
 * were developed against ({@value #TUNE}) and the held-out file written before the rules were tuned
 * ({@value #HELD_OUT}). Both must be 1.0: an answer that is stated and not found is scored wrong, and
 * a guessed letter is worse than an unparsed one. The per-family table is printed to the test output.
 */
class ExtractionCorpusTest {
  static final String TUNE = "extraction-corpus.v1.jsonl";
  static final String HELD_OUT = "extraction-heldout.v1.jsonl";

  private final AnswerExtractor extractor = AnswerExtractors.forName("reasoning");

  @Test
  void tuningCorpusIsReadExactly() {
    check(ExtractionCorpus.run("tuning corpus " + TUNE, ExtractionCorpus.read(TUNE), extractor), 110);
  }

  @Test
  void heldOutCorpusIsReadExactly() {
    check(ExtractionCorpus.run("held-out corpus " + HELD_OUT, ExtractionCorpus.read(HELD_OUT), extractor), 40);
  }

  private static void check(ExtractionCorpus.Result r, int minCases) {
    String report = r.report();
    System.out.print(report);
    ExtractionCorpus.Counts t = r.total();
    assertThat(t.cases()).as("corpus size").isGreaterThanOrEqualTo(minCases);
    // both kinds of case are present, so both precision and recall are tested
    assertThat(t.stated()).as("stated answers").isPositive().isLessThan(t.cases());
    assertThat(r.byFamily()).as("phrasing families").hasSizeGreaterThanOrEqualTo(15);
    assertThat(t.precision()).as(report).isEqualTo(1.0);
    assertThat(t.recall()).as(report).isEqualTo(1.0);
  }

  @Test
  void guessesCountAgainstPrecisionAndMissesAgainstRecall() {
    List<ExtractionCorpus.Case> cases = ExtractionCorpus.read(TUNE);
    // always "A": right on stated A's, a wrong letter on other stated answers, a false parse elsewhere
    ExtractionCorpus.Counts a = ExtractionCorpus.run("always-A", cases, (o, q) -> Extraction.of("A", "guess")).total();
    long statedA = cases.stream().filter(c -> "A".equals(c.expected())).count();
    long stated = cases.stream().filter(ExtractionCorpus.Case::stated).count();
    assertThat(a.parsed()).isEqualTo(cases.size());
    assertThat(a.found()).isEqualTo(statedA);
    assertThat(a.wrongLetter()).isEqualTo(stated - statedA);
    assertThat(a.falseParse()).isEqualTo(cases.size() - stated);
    assertThat(a.precision()).isEqualTo((double) statedA / cases.size());
    assertThat(a.recall()).isEqualTo((double) statedA / stated);
    // never answering: nothing guessed, nothing found
    ExtractionCorpus.Counts none = ExtractionCorpus.run("never", cases, (o, q) -> Extraction.unparsed("x")).total();
    assertThat(none.recall()).isZero();
    assertThat(none.precision()).isEqualTo(1.0);
    assertThat(none.missed()).isEqualTo(none.stated());
  }

  @Test
  void malformedRowNamesFileLineAndField() {
    assertThatThrownBy(() -> ExtractionCorpus.read("extraction-corpus-bad.jsonl"))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("extraction-corpus-bad.jsonl:2")
        .hasMessageContaining("\"expected\"")
        .hasMessageContaining("A..B");
    assertThatThrownBy(() -> ExtractionCorpus.read("no-such-corpus.jsonl"))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("no-such-corpus.jsonl");
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
      "~{\"id\": \"x\"~|not a JSON object",
      "[1, 2]|not a JSON object",
      "~{\"family\": \"f\", \"options\": {\"A\": \"a\"}, \"output\": \"o\", \"expected\": \"A\"}~|field \"id\" must be a string (missing)",
      "~{\"id\": 3, \"family\": \"f\", \"options\": {\"A\": \"a\"}, \"output\": \"o\", \"expected\": \"A\"}~|field \"id\" must be a string, was number",
      "~{\"id\": \"x\", \"family\": \"f\", \"options\": [\"a\"], \"output\": \"o\", \"expected\": \"A\"}~|field \"options\" must be an object",
      "~{\"id\": \"x\", \"family\": \"f\", \"options\": {\"A\": \"a\", \"C\": \"c\"}, \"output\": \"o\", \"expected\": \"A\"}~|key \"C\" where B was expected",
      "~{\"id\": \"x\", \"family\": \"f\", \"options\": {\"A\": \"\"}, \"output\": \"o\", \"expected\": \"A\"}~|\"options\".A must be a non-empty string",
      "~{\"id\": \"x\", \"family\": \"\", \"options\": {\"A\": \"a\"}, \"output\": \"o\", \"expected\": \"A\"}~|field \"family\" is empty",
      "~{\"id\": \"x\", \"family\": \"f\", \"options\": {\"A\": \"a\"}, \"output\": \"o\", \"expected\": \"a\"}~|field \"expected\" must be a letter in A..A or \"unparsed\", was \"a\"",
  })
  void eachMalformedFieldIsNamed(String row, String message) {
    assertThatThrownBy(() -> ExtractionCorpus.parse("corpus.jsonl:7", row))
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith("corpus.jsonl:7: ")
        .hasMessageContaining(message);
  }
}
