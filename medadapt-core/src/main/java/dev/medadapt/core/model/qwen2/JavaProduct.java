package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A quantized layer's product on a few input rows computed in Java straight from its codes (a decode step), returned
 * as a float32 tensor on the manager of the input with the bias added.
 */
@FunctionalInterface
interface JavaProduct {
  /** {@code y = x W^T} for {@code rows} rows of {@code x}, {@code y} holding {@code rows * out} floats. */
  void multiply(float[] x, int rows, float[] y);

  /** {@code x W^T + b} for the {@code rows} rows of {@code x}, with {@code W} of {@code out} rows. */
  static NDArray apply(NDArray x, int rows, int out, float[] bias, JavaProduct product) {
    float[] xs = x.getDataType() == DataType.FLOAT32 ? x.toFloatArray() : x.toType(DataType.FLOAT32, false).toFloatArray();
    float[] y = new float[rows * out];
    product.multiply(xs, rows, y);
    addBias(y, rows, out, bias);
    long[] shape = x.getShape().getShape().clone();
    shape[shape.length - 1] = out;
    return x.getManager().create(y, new Shape(shape));
  }

  /** Adds {@code bias} (when not null) to each of the {@code rows} rows of {@code out} floats in {@code y}. */
  static void addBias(float[] y, int rows, int out, float[] bias) {
    if (bias != null) {
      for (int m = 0; m < rows; m++) {
        for (int r = 0; r < out; r++) {
          y[m * out + r] += bias[r];
        }
      }
    }
  }
}
