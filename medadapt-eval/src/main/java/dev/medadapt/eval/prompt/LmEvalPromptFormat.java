package dev.medadapt.eval.prompt;

import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.eval.bench.Question;
import java.util.List;

/**
 * lm-evaluation-harness style completion prompt ({@code lmeval}), the zero-shot form its medical
 * multiple-choice tasks use:
 *
 * <pre>
 * Context: {snippet 1}            (one line per retrieved snippet, only with retrieval)
 * Abstract: {question context}    (only when the question has one, as in lm-eval's pubmedqa task)
 * Question: {question}
 * A. {option A}
 * B. {option B}
 * Answer:
 * </pre>
 *
 * <p>{@link #completionPrompt} is the raw text (no chat template), the context of log-likelihood
 * scoring, where each choice is scored as the continuation {@code " " + choice} (lm-eval's default
 * {@code target_delimiter}). {@link #render} wraps the same text in one user message.
 */
public final class LmEvalPromptFormat implements PromptFormat {

  @Override
  public String name() {
    return "lmeval";
  }

  /** The prompt as raw text, ending in {@code "Answer:"} with no trailing space. */
  public String completionPrompt(Question question, List<String> snippets) {
    StringBuilder sb = new StringBuilder();
    for (String s : snippets) {
      sb.append("Context: ").append(s).append('\n');
    }
    if (question.context() != null) {
      sb.append("Abstract: ").append(question.context()).append('\n');
    }
    sb.append("Question: ").append(question.question()).append('\n');
    sb.append(Prompts.optionLines(question)).append('\n');
    sb.append("Answer:");
    return sb.toString();
  }

  @Override
  public List<ChatMessage> render(Question question, List<String> snippets) {
    return List.of(ChatMessage.user(completionPrompt(question, snippets)));
  }
}
