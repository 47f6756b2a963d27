package dev.medadapt.eval.prompt;

import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.eval.bench.Question;
import java.util.List;

/** Turns a question (and optionally retrieved snippets) into the messages sent to a model. */
public interface PromptFormat {

  /** Short name used on the command line and in run metadata ({@code seed}, {@code medrag}, {@code lmeval}). */
  String name();

  /** The conversation to send; {@code snippets} may be empty (no retrieval). */
  List<ChatMessage> render(Question question, List<String> snippets);
}
