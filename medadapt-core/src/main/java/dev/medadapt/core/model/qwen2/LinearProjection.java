package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.core.Linear;

/**
 * A dense linear layer {@code y = x W^T + b} with the weight in PyTorch layout {@code [out, in]}.
 * When the weight is float16 the input is cast down and the result back up to float32.
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

  @Override
  public NDArray apply(NDArray x) {
    DataType wt = weight.getDataType();
    NDArray in = x.getDataType() == wt ? x : x.toType(wt, false);
    NDArray y = Linear.linear(in, weight, bias).singletonOrThrow();
    return y.getDataType() == DataType.FLOAT32 ? y : y.toType(DataType.FLOAT32, false);
  }
}
