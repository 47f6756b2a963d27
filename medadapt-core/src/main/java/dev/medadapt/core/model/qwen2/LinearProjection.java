package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.core.Linear;

/**
 * A dense linear layer {@code y = x W^T + b} with the weight in PyTorch layout {@code [out, in]}.
 * When the weight is float16 the input is cast down and the result back up to float32 — for a few rows
 * (decoding), where reading the weight is the cost and float16 halves it. For many rows (a prompt's
 * prefill) PyTorch's CPU float16 product is several times slower than float32, so outside autograd the
 * weight is widened to float32 for that one product (a temporary, freed at once) and the product runs in
 * float32.
 *
 * @param weight {@code [out, in]}, float32 or float16; owned by the model
 * @param bias {@code [out]} or null
 */
public record LinearProjection(NDArray weight, NDArray bias) implements Projection {

  /** Output width. */
  public long outFeatures() {
    return weight.getShape().get(0);
  }

  /** Input width. */
  public long inFeatures() {
    return weight.getShape().get(1);
  }

  /** Rows (tokens) from which a float16 weight is widened for the product; decode steps stay below. */
  static final long WIDEN_FROM_ROWS = 16;

  @Override
  public NDArray apply(NDArray x) {
    DataType wt = weight.getDataType();
    if (wt == DataType.FLOAT16 && x.getShape().size() / x.getShape().getShape()[x.getShape().dimension() - 1]
        >= WIDEN_FROM_ROWS && !x.hasGradient()) {
      // Nothing is recorded for backward (x needs no gradient and the weight is frozen), so the widened
      // copy can go as soon as the product exists.
      try (NDArray w32 = weight.toType(DataType.FLOAT32, false)) {
        NDArray in32 = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        return Linear.linear(in32, w32, bias).singletonOrThrow();
      }
    }
    NDArray in = x.getDataType() == wt ? x : x.toType(wt, false);
    NDArray y = Linear.linear(in, weight, bias).singletonOrThrow();
    return y.getDataType() == DataType.FLOAT32 ? y : y.toType(DataType.FLOAT32, false);
  }
}
