package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

/** Moving a few rows between tensors and the Java arrays of {@link HostProjection} products. */
final class JavaProduct {
  private JavaProduct() {}

  /**
   * {@code x W^T + b} for the {@code rows} rows of {@code x} by {@code p}'s host product ({@code out} outputs per row),
   * as a float32 tensor on the manager of {@code x}.
   */
  static NDArray apply(NDArray x, int rows, int out, HostProjection p) {
    float[] y = new float[rows * out];
    p.multiplyHost(floats(x), rows, y);
    long[] shape = x.getShape().getShape().clone();
    shape[shape.length - 1] = out;
    return x.getManager().create(y, new Shape(shape));
  }

  /**
   * Whether a product of {@code x} may run on Java arrays: only while autograd records nothing, since its result is a
   * new tensor without a graph (under a {@code GradientCollector} even an input that reports no gradient may be part
   * of what backward differentiates, as the chunked lm_head loss's inputs are).
   */
  static boolean outsideAutograd(NDArray x) {
    return !JniUtils.isGradMode() && !x.hasGradient();
  }

  /** The values of {@code x} as float32. */
  static float[] floats(NDArray x) {
    return x.getDataType() == DataType.FLOAT32 ? x.toFloatArray() : x.toType(DataType.FLOAT32, false).toFloatArray();
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
