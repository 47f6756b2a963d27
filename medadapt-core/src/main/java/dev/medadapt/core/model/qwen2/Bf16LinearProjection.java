package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.core.Linear;
import dev.medadapt.core.ConfigurationException;

/**
 * A linear layer {@code y = x W^T + b} whose weight {@code [out, in]} is a {@link Bf16Matrix} and whose optional bias
 * is float32. A few rows without a gradient (a decode step) multiply on the bits in Java ({@link Bf16Matrix#multiply}),
 * reading half the bytes of a float32 weight; more rows (a prompt, a training loss) run over chunks of output rows,
 * each widened to float32 for its part of {@code y} and then freed, so the float32 weight never exists whole. Equal to
 * {@link LinearProjection} over the widened weight within float32 rounding of the sums. The training loss reads the
 * rows directly ({@code ChunkedLmHeadLoss}).
 */
public final class Bf16LinearProjection implements HostProjection {
  /** Input rows up to which a product runs on the bits in Java (a decode step of a batch of up to this many rows). */
  static final int HOST_MAX_ROWS = 32;

  private final Bf16Matrix weight;
  private final NDArray bias;
  private final float[] biasValues;

  /** A bias-free layer (lm_head). */
  public Bf16LinearProjection(Bf16Matrix weight) {
    this(weight, null);
  }

  /**
   * @param weight {@code [out, in]} bits; owned by the model
   * @param bias {@code [out]} float32, or null; owned by the model
   * @throws ConfigurationException when the bias does not have {@code out} values
   */
  public Bf16LinearProjection(Bf16Matrix weight, NDArray bias) {
    this.weight = weight;
    this.bias = bias;
    this.biasValues = bias == null ? null : JavaProduct.floats(bias);
    if (biasValues != null && biasValues.length != weight.rows()) {
      throw new ConfigurationException(weight.name() + ": bias has " + biasValues.length + " values for "
          + weight.rows() + " output rows");
    }
  }

  /** The weight's bits. */
  public Bf16Matrix weight() {
    return weight;
  }

  /** The float32 bias, or null. */
  public NDArray bias() {
    return bias;
  }

  @Override
  public boolean takesOnHost(long rows) {
    return rows <= HOST_MAX_ROWS;
  }

  @Override
  public void multiplyHost(float[] x, int rows, float[] y) {
    weight.multiply(x, rows, y);
    JavaProduct.addBias(y, rows, Math.toIntExact(weight.rows()), biasValues);
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
        long v1 = Math.min(out, v0 + chunk);
        NDArray b = bias == null ? null : bias.get(new NDIndex(v0 + ":" + v1));
        if (b != null) {
          b.attach(tmp);
        }
        NDArray part;
        if (!JavaProduct.outsideAutograd(x)) {
          // Autograd keeps the weight for the backward pass: a copy of its own, not the staging buffer.
          part = Linear.linear(x, weight.rows(tmp, v0, v1), b).singletonOrThrow();
          part.attach(tmp);
        } else {
          // The product reads the widened rows where they were written, in the staging buffer.
          part = weight.applyToRows(tmp, v0, v1, w -> Linear.linear(x, w, b).singletonOrThrow());
        }
        parts.add(part);
      }
      NDArray y = parts.size() == 1 ? parts.singletonOrThrow() : NDArrays.concat(parts, -1);
      y.attach(m);
      return y;
    }
  }
}
