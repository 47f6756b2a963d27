package dev.medadapt.eval.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.eval.bench.Question;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromptFormatsTest {
  private static final Question Q =
      new Question("1", "medqa", "Which drug?", List.of("aspirin", "heparin", "warfarin", "insulin"), "B", null);
  private static final Question PUB =
      new Question("2", "pubmedqa", "Does X help?", List.of("yes", "no", "maybe"), "A", "BACKGROUND text");

  @Test
  void seedFormatExactText() {
    List<ChatMessage> m = Prompts.forName("seed").render(Q, List.of());
    assertThat(m).hasSize(1);
    assertThat(m.get(0).role()).isEqualTo(ChatMessage.Role.USER);
    assertThat(m.get(0).content()).isEqualTo(
        "Answer the following multiple-choice medical question.\n\n"
            + "Question: Which drug?\n\nOptions:\nA. aspirin\nB. heparin\nC. warfarin\nD. insulin\n\n"
            + "Answer with the letter of the correct option (A, B, C or D) only.");
    String withCtx = Prompts.forName("seed").render(PUB, List.of("doc one", "doc two")).get(0).content();
    assertThat(withCtx).contains("Context:\n[1] doc one\n[2] doc two\nBACKGROUND text\n\nQuestion: Does X help?")
        .endsWith("(A, B or C) only.");
  }

  @Test
  void medragCotAndRagMatchTheTemplates() {
    List<ChatMessage> cot = Prompts.forName("medrag").render(Q, List.of());
    assertThat(cot.get(0).content()).isEqualTo(MedRagPromptFormat.COT_SYSTEM)
        .contains("Dict{\"step_by_step_thinking\": Str(explanation), \"answer_choice\": Str{A/B/C/...}}");
    assertThat(cot.get(1).content()).isEqualTo(
        "\nHere is the question:\nWhich drug?\n\nHere are the potential choices:\n"
            + "A. aspirin\nB. heparin\nC. warfarin\nD. insulin\n\nPlease think step-by-step and generate your output in json:\n");
    List<ChatMessage> rag = Prompts.forName("medrag").render(Q,
        List.of(MedRagPromptFormat.snippet("Heparin", "An anticoagulant."), MedRagPromptFormat.snippet("Aspirin", "An NSAID.")));
    assertThat(rag.get(0).content()).isEqualTo(MedRagPromptFormat.MEDRAG_SYSTEM);
    assertThat(rag.get(1).content()).startsWith(
        "\nHere are the relevant documents:\nDocument [0] (Title: Heparin) An anticoagulant.\n"
            + "Document [1] (Title: Aspirin) An NSAID.\n\nHere is the question:\nWhich drug?\n");
  }

  @Test
  void lmevalCompletionPrompt() {
    LmEvalPromptFormat f = (LmEvalPromptFormat) Prompts.forName("lmeval");
    assertThat(f.completionPrompt(Q, List.of())).isEqualTo(
        "Question: Which drug?\nA. aspirin\nB. heparin\nC. warfarin\nD. insulin\nAnswer:");
    assertThat(f.completionPrompt(PUB, List.of("s1"))).isEqualTo(
        "Context: s1\nAbstract: BACKGROUND text\nQuestion: Does X help?\nA. yes\nB. no\nC. maybe\nAnswer:");
    assertThat(f.render(Q, List.of()).get(0).content()).isEqualTo(f.completionPrompt(Q, List.of()));
  }

  @Test
  void unknownName() {
    assertThatThrownBy(() -> Prompts.forName("alpaca"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("[seed, medrag, lmeval]");
  }
}
