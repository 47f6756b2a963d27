package dev.medadapt.eval.score;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.eval.bench.Question;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReasoningExtractorTest {
  private static final Question Q = new Question("1", "medqa", "Which drug?",
      List.of("Aspirin", "Heparin", "Warfarin", "Insulin"), "B", null);
  private final ReasoningExtractor x = new ReasoningExtractor();

  private Extraction ex(String s) {
    return x.extract(s, Q);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
      "The answer is C.|C|answer-is",
      "Answer: B|B|answer-is",
      "**Answer:** D|D|answer-is",
      "I think the answer is A. Wait, no. The final answer is (C).|C|final-answer",
      "So the correct answer would be [D]|D|answer-is",
      "Therefore \\boxed{B}|B|boxed",
      "I would choose option D here|D|choose",
      "~{\"step_by_step_thinking\": \"the answer is A at first\", \"answer_choice\": \"C\"}~|C|json",
      "~{\"answer_choice\": \"Option D\"}~|D|json",
      "Heparin works here.\\nB|B|final-line",
      "Reasoning...\\n**(C)**|C|bold",
      "Reasoning...\\nD. Insulin|D|final-line",
      "Reasoning...\\nOption A|A|final-line",
      "warfarin.|C|option-text",
      "After thinking:\\n  Insulin  |D|option-text",
  })
  void readsLetters(String output, String letter, String rule) {
    Extraction e = ex(output.replace("\\n", "\n"));
    assertThat(e.letter()).isEqualTo(letter);
    assertThat(e.rule()).isEqualTo(rule);
  }

  @Test
  void dropsThinkBlocks() {
    Extraction e = ex("<think>\nMaybe the answer is A. Let me check.\n</think>\n\nThe answer is B.");
    assertThat(e).isEqualTo(Extraction.of("B", "answer-is"));
    // R1 chat template puts <think> in the prompt: only the closing tag appears in the output
    assertThat(ex("the answer is A...\n</think>\nAnswer: D")).isEqualTo(Extraction.of("D", "answer-is"));
    Extraction cut = ex("<think>\nThe answer is A, probably, but let me verify the dose");
    assertThat(cut.parsed()).isFalse();
    assertThat(cut.rule()).isEqualTo("unterminated-think");
    assertThat(ex("<think>A</think>   ").rule()).isEqualTo("empty-after-think");
  }

  @Test
  void neverGuesses() {
    for (String s : List.of("", "   ", "I am not sure.", "Answer: Aspirin or heparin", "A patient like this needs care.")) {
      Extraction e = ex(s);
      assertThat(e.parsed()).as(s).isFalse();
      assertThat(e.letter()).isNull();
    }
    assertThat(ex("I am not sure.").rule()).isEqualTo("no-answer-found");
    Extraction out = ex("The answer is E.");
    assertThat(out.parsed()).isFalse();
    assertThat(out.rule()).startsWith("letter-out-of-range").contains("found E").contains("A..D");
    // an out-of-range "I" does not hide a later real answer
    assertThat(ex("Answer: I believe it is heparin.\nThe answer is B")).isEqualTo(Extraction.of("B", "answer-is"));
  }

  @Test
  void yesNoAnswersGivenAsText() {
    Question pub = new Question("3", "pubmedqa", "Does it help?", List.of("yes", "no", "maybe"), "C", null);
    assertThat(x.extract("{\"step_by_step_thinking\": \"...\", \"answer_choice\": \"Maybe\"}", pub))
        .isEqualTo(Extraction.of("C", "json-option-text"));
    assertThat(x.extract("The evidence is mixed.\nFinal answer: **no**.\nThanks for asking", pub))
        .isEqualTo(Extraction.of("B", "answer-is-option-text"));
    assertThat(x.extract("Answer: it depends on the dose", pub).parsed()).isFalse();
  }

  @Test
  void optionTextMustBeUnique() {
    Question dup = new Question("2", "t", "q", List.of("same", "same", "other"), "A", null);
    assertThat(x.extract("same", dup).parsed()).isFalse();
    assertThat(x.extract("Other.", dup)).isEqualTo(Extraction.of("C", "option-text"));
  }
}
