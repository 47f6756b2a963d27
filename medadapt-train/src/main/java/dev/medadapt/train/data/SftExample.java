package dev.medadapt.train.data;

import dev.medadapt.core.Ensure;

/**
 * One supervised example as text: the {@code prompt} the model is conditioned on and the {@code completion}
 * it learns to produce. With {@link LossMode#COMPLETION_ONLY} only the completion's tokens are supervised.
 *
 * @param prompt conditioning text (may be empty)
 * @param completion supervised text; the end-of-sequence token is appended at tokenization
 * @param source where the example came from ({@code file:line}), for error messages
 */
public record SftExample(String prompt, String completion, String source) {
  public SftExample {
    Ensure.notNull(prompt, "prompt");
    Ensure.notNull(completion, "completion");
    Ensure.notNull(source, "source");
  }
}
