package dev.medadapt.core.llm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReasoningTest {
  @Test
  void splitsFullThinkBlock() {
    Reasoning r = Reasoning.split("<think>\nFever plus rash suggests measles.\n</think>\n\nAnswer: B");
    assertThat(r.reasoning()).isEqualTo("Fever plus rash suggests measles.");
    assertThat(r.answer()).isEqualTo("Answer: B");
    assertThat(r.complete()).isTrue();
  }

  @Test
  void handlesPromptThatAlreadyOpenedTheBlock() {
    Reasoning r = Reasoning.split("Check the dose first.\n</think>\nGive 500 mg.");
    assertThat(r.reasoning()).isEqualTo("Check the dose first.");
    assertThat(r.answer()).isEqualTo("Give 500 mg.");
  }

  @Test
  void unclosedBlockHasNoAnswer() {
    Reasoning r = Reasoning.split("<think>\nStill thinking about");
    assertThat(r.complete()).isFalse();
    assertThat(r.answer()).isEmpty();
    assertThat(r.reasoning()).isEqualTo("Still thinking about");
  }

  @Test
  void plainTextIsAllAnswer() {
    Reasoning r = Reasoning.split("  C  ");
    assertThat(r.reasoning()).isEmpty();
    assertThat(r.answer()).isEqualTo("C");
    assertThat(r.complete()).isTrue();
  }
}
