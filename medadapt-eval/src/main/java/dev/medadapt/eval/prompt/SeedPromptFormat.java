package dev.medadapt.eval.prompt;

import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.eval.bench.Question;
import java.util.List;

/**
 * The reference study's prompt ({@code seed}): one user message with an instruction, optional
 * context, the question, the options as {@code "A. text"} lines and a request for the letter only.
 *
 * <pre>
 * Answer the following multiple-choice medical question.
 *
 * Context:                          (only with retrieved snippets or a question context)
 * [1] first snippet
 * [2] second snippet
 * question context (PubMedQA abstract)
 *
 * Question: {question}
 *
 * Options:
 * A. {option A}
 * B. {option B}
 * ...
 *
 * Answer with the letter of the correct option ({A, B, C or D}) only.
 * </pre>
 */
public final class SeedPromptFormat implements PromptFormat {

  @Override
  public String name() {
    return "seed";
  }

  @Override
  public List<ChatMessage> render(Question question, List<String> snippets) {
    StringBuilder sb = new StringBuilder("Answer the following multiple-choice medical question.\n\n");
    if (!snippets.isEmpty() || question.context() != null) {
      sb.append("Context:\n");
      for (int i = 0; i < snippets.size(); i++) {
        sb.append('[').append(i + 1).append("] ").append(snippets.get(i)).append('\n');
      }
      if (question.context() != null) {
        sb.append(question.context()).append('\n');
      }
      sb.append('\n');
    }
    sb.append("Question: ").append(question.question()).append("\n\nOptions:\n");
    sb.append(Prompts.optionLines(question)).append("\n\n");
    sb.append("Answer with the letter of the correct option (").append(Prompts.letterList(question)).append(") only.");
    return List.of(ChatMessage.user(sb.toString()));
  }
}
