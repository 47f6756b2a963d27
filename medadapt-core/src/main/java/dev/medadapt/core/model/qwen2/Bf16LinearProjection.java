package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.core.Linear;

/**
 * A bias-free linear layer {@code y = x W^T} whose weight {@code [out, in]} is a {@link Bf16Matrix}: the product runs
 * over chunks of output rows, each widened to float32 for its part of {@code y} and then freed, so the float32
 * weight never exists whole. Equal to {@link LinearProjection} over the widened weight. Every call widens the whole
 * weight, which suits a training base's lm_head (a few calls per step, each over many positions) and not decoding;
 * the training loss reads the rows directly ({@code ChunkedLmHeadLoss}).
 */
public record Bf16LinearProjection(Bf16Matrix weight) implements Projection {
  @Override
  public NDArray apply(NDArray x) {
    NDManager m = x.getManager();
    long out = weight.rows();
    int chunk = Math.max(1, Bf16Matrix.STAGING_FLOATS / weight.cols());
    NDList parts = new NDList();
    try (NDManager tmp = m.newSubManager()) {
      for (long v0 = 0; v0 < out; v0 += chunk) {
        NDArray w = weight.rows(tmp, v0, Math.min(out, v0 + chunk));
        parts.add(Linear.linear(x, w, null).singletonOrThrow());
      }
      NDArray y = parts.size() == 1 ? parts.singletonOrThrow() : NDArrays.concat(parts, -1);
      y.attach(m);
      return y;
    }
  }
}
