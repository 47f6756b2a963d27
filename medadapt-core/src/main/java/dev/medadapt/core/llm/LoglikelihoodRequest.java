package dev.medadapt.core.llm;

import dev.medadapt.core.Ensure;

/**
 * A continuation to score after a context, with lm-evaluation-harness semantics: context and
 * continuation are tokenized together and only the continuation's tokens are scored.
 */
public record LoglikelihoodRequest(String context, String continuation) {
  public LoglikelihoodRequest {
    Ensure.notNull(context, "context");
    Ensure.notBlank(continuation, "continuation");
  }
}
