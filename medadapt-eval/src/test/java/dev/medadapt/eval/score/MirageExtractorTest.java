package dev.medadapt.eval.score;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.eval.bench.Question;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every branch of MIRAGE's locate_answer, in its order, and the text-after-last-marker step. */
class MirageExtractorTest {
  private static final Question Q = new Question("1", "bioasq", "q", List.of("yes", "no"), "A", null);

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
      "~  C~|C|mirage:letter-only",
      "B or C|B|mirage:letter-or",
      "D and A|D|mirage:letter-and",
      "A/B|A|mirage:letter-slash",
      "C, since|C|mirage:letter-comma",
      "I pick option D|D|mirage:option-letter",
      "Option A: first, option B|A|mirage:option-letter",
      "Final answer: B|B|mirage:colon-letter",
      "answer:C|C|mirage:colon-letter",
      "C. Because|C|mirage:letter-period",
      "~D\"}~|D|mirage:letter-quote",
      "B: it is|B|mirage:letter-colon",
      "Nothing here|A|mirage:default-A",
      "option c|A|mirage:default-A",
      "~~|A|mirage:default-A",
      "The answer is B|A|mirage:default-A",
  })
  void locateAnswerBranches(String sentence, String letter, String rule) {
    assertThat(MirageExtractor.locateAnswer(sentence)).isEqualTo(Extraction.of(letter, rule));
  }

  @Test
  void pythonWhitespaceAndMarkerSplit() {
    MirageExtractor m = new MirageExtractor();
    // text after the LAST marker; stripped with Python's whitespace set (NBSP, U+3000 ...)
    assertThat(m.extract("{\"answer_choice\": \"A\", \"x\": 1, \"answer_choice\": \"D\"}", Q).letter()).isEqualTo("D");
    assertThat(m.extract("\u3000\u00a0 C \u2003", Q)).isEqualTo(Extraction.of("C", "mirage:letter-only"));
    // Python's $ matches before one final newline; strip() already removed it, locate_answer alone keeps it
    assertThat(MirageExtractor.locateAnswer("B\n")).isEqualTo(Extraction.of("B", "mirage:letter-only"));
    assertThat(MirageExtractor.locateAnswer("B\n\n").rule()).isEqualTo("mirage:default-A");
    // letters beyond D are not recognised: "E" falls through to the default
    assertThat(m.extract("E", Q).letter()).isEqualTo("A");
    // without the marker the whole response is used; \u2028 is whitespace for Python, not for Java's \s
    assertThat(m.extract("\u2028B", Q).rule()).isEqualTo("mirage:letter-only");
  }
}
