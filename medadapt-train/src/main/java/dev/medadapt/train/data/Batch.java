package dev.medadapt.train.data;

import dev.medadapt.core.Ensure;
import java.util.Arrays;
import java.util.List;

/**
 * A right-padded batch, row-major {@code [batchSize, length]}: padded positions have label
 * {@link TokenizedSequence#IGNORE_INDEX} and attention mask 0.
 */
public record Batch(int batchSize, int length, int[] inputIds, int[] labels, int[] attentionMask) {

  /** Pads {@code sequences} to the longest one with {@code padTokenId}. */
  public static Batch of(List<TokenizedSequence> sequences, int padTokenId) {
    Ensure.notEmpty(sequences, "sequences");
    int len = 0;
    for (TokenizedSequence s : sequences) {
      len = Math.max(len, s.length());
    }
    int b = sequences.size();
    int[] ids = new int[b * len];
    int[] labels = new int[b * len];
    int[] mask = new int[b * len];
    Arrays.fill(ids, padTokenId);
    Arrays.fill(labels, TokenizedSequence.IGNORE_INDEX);
    for (int i = 0; i < b; i++) {
      TokenizedSequence s = sequences.get(i);
      System.arraycopy(s.inputIds(), 0, ids, i * len, s.length());
      System.arraycopy(s.labels(), 0, labels, i * len, s.length());
      Arrays.fill(mask, i * len, i * len + s.length(), 1);
    }
    return new Batch(b, len, ids, labels, mask);
  }

  /** Loss targets in the batch after the causal shift. */
  public int supervisedTargets() {
    int n = 0;
    for (int i = 0; i < batchSize; i++) {
      for (int t = 1; t < length; t++) {
        if (labels[i * length + t] != TokenizedSequence.IGNORE_INDEX) {
          n++;
        }
      }
    }
    return n;
  }
}
