package dev.medadapt.core.llm;

import dev.medadapt.core.UnsupportedFeatureException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A causal language model: the one concept every MedAdapt module talks to (RAG answers, benchmark
 * scoring, training checks). Implementations: the local Qwen2 runtime in {@code dev.medadapt.core.model}
 * and the OpenAI-compatible HTTP client in {@code dev.medadapt.core.openai}.
 *
 * <pre>{@code
 * try (LanguageModel lm = ...) {
 *   Generation g = lm.chat(List.of(ChatMessage.user("What is the first-line drug for ...?")),
 *                          GenerationOptions.greedy(512));
 *   System.out.println(g.text());
 * }
 * }</pre>
 *
 * <p>Implementations are safe to call from several threads unless their Javadoc says otherwise.
 */
public interface LanguageModel extends AutoCloseable {

  /** A short name for reports (model directory name, or the remote model id). */
  String name();

  /** Continues {@code prompt} as raw text (no chat template). */
  default Generation generate(String prompt, GenerationOptions options) {
    return generate(prompt, options, text -> {});
  }

  /**
   * Continues {@code prompt}, calling {@code onText} with each newly decoded piece of text as soon
   * as it is known (the concatenation of all pieces equals {@link Generation#text()}).
   */
  Generation generate(String prompt, GenerationOptions options, Consumer<String> onText);

  /** Answers a conversation, rendered with the model's chat template with a generation prompt. */
  default Generation chat(List<ChatMessage> messages, GenerationOptions options) {
    return chat(messages, options, text -> {});
  }

  /** Streaming variant of {@link #chat(List, GenerationOptions)}. */
  Generation chat(List<ChatMessage> messages, GenerationOptions options, Consumer<String> onText);

  /** Generates for several prompts; implementations may batch them. Results are in input order. */
  default List<Generation> generateBatch(List<String> prompts, GenerationOptions options) {
    List<Generation> out = new ArrayList<>(prompts.size());
    for (String p : prompts) {
      out.add(generate(p, options));
    }
    return out;
  }

  /**
   * Answers several conversations; implementations may decode them together (the local runtime runs them as
   * one batch with one KV cache, left-padded, each row stopping on its own). Greedy results equal those of
   * {@link #chat(List, GenerationOptions)} one by one. Results are in input order; each
   * {@link Generation#elapsed()} is the time of the whole call.
   */
  default List<Generation> chatBatch(List<List<ChatMessage>> conversations, GenerationOptions options) {
    List<Generation> out = new ArrayList<>(conversations.size());
    for (List<ChatMessage> c : conversations) {
      out.add(chat(c, options));
    }
    return out;
  }

  /** Whether {@link #loglikelihood(List)} is available. */
  default boolean supportsLoglikelihood() {
    return false;
  }

  /**
   * Scores continuations (lm-evaluation-harness {@code loglikelihood}); results are in input order.
   *
   * @throws UnsupportedFeatureException when {@link #supportsLoglikelihood()} is false
   */
  default List<LoglikelihoodResult> loglikelihood(List<LoglikelihoodRequest> requests) {
    throw new UnsupportedFeatureException(name() + " does not support log-likelihood scoring");
  }

  /**
   * The model's tokenizer, when it is known locally (used to count tokens against a context
   * budget). Remote models return empty.
   */
  default Optional<TextTokenizer> tokenizer() {
    return Optional.empty();
  }

  /** Releases native memory and connections. */
  @Override
  void close();
}
