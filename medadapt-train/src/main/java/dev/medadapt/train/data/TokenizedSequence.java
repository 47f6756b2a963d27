package dev.medadapt.train.data;

import dev.medadapt.core.Ensure;

/**
 * Token ids and their labels in Hugging Face's convention: {@code labels[i] == inputIds[i]} where the position is
 * supervised and {@link #IGNORE_INDEX} where it is not; the causal-LM loss shifts by one (logits at {@code t}
 * predict {@code labels[t + 1]}).
 */
public record TokenizedSequence(int[] inputIds, int[] labels) {
  /** PyTorch's {@code CrossEntropyLoss(ignore_index=-100)} default, which Hugging Face models use. */
  public static final int IGNORE_INDEX = -100;

  public TokenizedSequence {
    Ensure.notNull(inputIds, "inputIds");
    Ensure.notNull(labels, "labels");
    if (inputIds.length != labels.length) {
      throw new dev.medadapt.core.ConfigurationException(
          "labels.length must equal inputIds.length (" + inputIds.length + "), was " + labels.length);
    }
  }

  public int length() {
    return inputIds.length;
  }

  /** Number of positions that are a loss target after the causal shift (labels[1..] not ignored). */
  public int supervisedTargets() {
    int n = 0;
    for (int i = 1; i < labels.length; i++) {
      if (labels[i] != IGNORE_INDEX) {
        n++;
      }
    }
    return n;
  }
}
