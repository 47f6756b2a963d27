package dev.medadapt.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.medadapt.train.data.Batch;
import dev.medadapt.train.data.TokenizedSequence;

/**
 * Causal-LM cross-entropy as in Hugging Face's {@code ForCausalLMLoss}: logits at position t predict the label at
 * t + 1; labels equal to -100 ({@link TokenizedSequence#IGNORE_INDEX}) contribute nothing (neither to the sum nor
 * to the gradient).
 */
public final class CausalLmLoss {
  private CausalLmLoss() {}

  /**
   * The summed negative log-likelihood over the supervised targets of {@code batch} (a scalar NDArray in the
   * manager of {@code logits}); divide by the number of targets of the accumulation window for the mean.
   *
   * @param logits {@code [B, T, V]} float32
   */
  public static NDArray sum(NDArray logits, Batch batch) {
    int b = batch.batchSize();
    int t = batch.length();
    NDManager m = logits.getManager();
    long[] target = new long[b * (t - 1)];
    float[] weight = new float[b * (t - 1)];
    for (int i = 0; i < b; i++) {
      for (int j = 1; j < t; j++) {
        int label = batch.labels()[i * t + j];
        int k = i * (t - 1) + j - 1;
        if (label != TokenizedSequence.IGNORE_INDEX) {
          target[k] = label;
          weight[k] = 1f;
        }
      }
    }
    NDArray logp = logits.get(":, :-1, :").logSoftmax(-1);
    NDArray idx = dev.medadapt.train.internal.OwnedArrays.of(m, target, new Shape(b, t - 1, 1));
    NDArray picked = logp.gather(idx, -1).reshape(b, t - 1);
    NDArray w = dev.medadapt.train.internal.OwnedArrays.of(m, weight, new Shape(b, t - 1));
    return picked.mul(w).sum().neg();
  }
}
