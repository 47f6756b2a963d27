package dev.medadapt.core.llm;

import java.time.Duration;

/**
 * The result of one generation.
 *
 * @param text the generated text (stop string removed), without the prompt
 * @param promptTokens tokens in the prompt as the model saw it (-1 when the service did not say)
 * @param generatedTokens tokens generated (-1 when the service did not say)
 * @param finishReason why generation ended
 * @param elapsed wall-clock time of the call
 */
public record Generation(
    String text, int promptTokens, int generatedTokens, FinishReason finishReason, Duration elapsed) {

  /** Why generation ended. */
  public enum FinishReason {
    /** An end-of-sequence token, stop token or stop string was produced. */
    STOP,
    /** {@code maxNewTokens} (or the context length) was reached. */
    LENGTH
  }
}
