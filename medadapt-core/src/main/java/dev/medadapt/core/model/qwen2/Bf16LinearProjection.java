package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.core.Linear;

/**
 * A bias-free linear layer {@code y = x W^T} whose weight {@code [out, in]} is a {@link Bf16Matrix}. A few rows without
 * a gradient (a decode step) multiply on the bits in Java ({@link Bf16Matrix#multiply}), reading half the bytes of a
 * float32 weight; more rows (a prompt, a training loss) run over chunks of output rows, each widened to float32 for its
 * part of {@code y} and then freed, so the float32 weight never exists whole. Equal to {@link LinearProjection} over
 * the widened weight within float32 rounding of the sums. The training loss reads the rows directly
 * ({@code ChunkedLmHeadLoss}).
 */
public record Bf16LinearProjection(Bf16Matrix weight) implements HostProjection {
  /** Input rows up to which a product runs on the bits in Java (a decode step of a batch of up to this many rows). */
  static final int HOST_MAX_ROWS = 32;

  @Override
  public boolean takesOnHost(long rows) {
    return rows <= HOST_MAX_ROWS;
  }

  @Override
  public void multiplyHost(float[] x, int rows, float[] y) {
    weight.multiply(x, rows, y);
  }

  @Override
  public NDArray apply(NDArray x) {
    long rows = x.getShape().size() / weight.cols();
    if (JavaProduct.outsideAutograd(x) && takesOnHost(rows)) {
      return JavaProduct.apply(x, (int) rows, Math.toIntExact(weight.rows()), this);
    }
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
