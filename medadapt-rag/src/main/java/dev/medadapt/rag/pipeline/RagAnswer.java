package dev.medadapt.rag.pipeline;

import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.rag.retrieve.Hit;
import java.util.List;

/**
 * What {@link RagPipeline#ask} returns.
 *
 * @param answer the model's text
 * @param snippets the snippets in the prompt, in prompt order (snippet {@code i} is numbered
 *     {@code i + template.firstNumber()})
 * @param citedIds ids of the prompt snippets the answer cites as {@code [n]}, in order of first citation
 * @param droppedIds ids of retrieved snippets left out because the context token budget was exhausted
 * @param contextTokens tokens of the context block as counted against the budget
 * @param messages the exact messages sent to the model
 * @param generation the model's generation (token counts, finish reason, time)
 */
public record RagAnswer(
    String answer,
    List<Hit> snippets,
    List<String> citedIds,
    List<String> droppedIds,
    int contextTokens,
    List<ChatMessage> messages,
    Generation generation) {

  public RagAnswer {
    snippets = List.copyOf(snippets);
    citedIds = List.copyOf(citedIds);
    droppedIds = List.copyOf(droppedIds);
    messages = List.copyOf(messages);
  }

  /** Ids of the snippets in the prompt, in prompt order. */
  public List<String> snippetIds() {
    return snippets.stream().map(Hit::id).toList();
  }

  /** How many retrieved snippets did not fit the context budget. */
  public int droppedCount() {
    return droppedIds.size();
  }
}
