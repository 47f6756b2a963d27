package dev.medadapt.train.lora;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.train.FloatTensor;

/**
 * The two low-rank factors of one adapted module, shaped as PEFT stores them.
 *
 * <ul>
 *   <li>{@link Kind#LINEAR}: {@code a} is {@code [r, in]}, {@code b} is {@code [out, r]}; delta W = scaling · B·A.
 *   <li>{@link Kind#EMBEDDING}: {@code a} is {@code [r, vocab]} ({@code lora_embedding_A}), {@code b} is
 *       {@code [hidden, r]} ({@code lora_embedding_B}); delta E = scaling · (B·A)ᵀ.
 * </ul>
 */
public record LoraPair(Kind kind, FloatTensor a, FloatTensor b) {
  /** What kind of module is adapted. */
  public enum Kind {
    LINEAR,
    EMBEDDING
  }

  public LoraPair {
    Ensure.notNull(kind, "kind");
    Ensure.notNull(a, "a");
    Ensure.notNull(b, "b");
    if (a.shape().length != 2 || b.shape().length != 2 || a.shape()[0] != b.shape()[1]) {
      throw new ConfigurationException(
          "LoRA factors must be A [r, in] and B [out, r] with the same r, were A "
              + java.util.Arrays.toString(a.shape()) + " and B " + java.util.Arrays.toString(b.shape()));
    }
  }

  public int rank() {
    return a.shape()[0];
  }

  public long parameterCount() {
    return a.size() + b.size();
  }
}
