package dev.medadapt.core.quant.internal;

import dev.medadapt.core.quant.Int8Tensor;

/**
 * One implementation of the 8-bit product {@code y[r] = scale[r] * sum_c q[r][c] x[c]} over a range of weight rows,
 * reading the codes directly. Not API: see {@link dev.medadapt.core.quant.Int8MatMul}.
 */
public interface Int8Kernel {
  /** A short name for logs and benchmark output, e.g. {@code "vector 256-bit"}. */
  String name();

  /** {@code y[yOffset + r - rowFrom] = scales[r] * sum_c values[r][c] * x[c]} for {@code r} in {@code [rowFrom, rowTo)}. */
  void rows(Int8Tensor w, float[] x, int rowFrom, int rowTo, float[] y, int yOffset);

  /**
   * {@link #rows} for four inputs in one pass over the weight rows: input {@code m}'s result for row {@code r} goes to
   * {@code y[yOffset + m * yStride + r - rowFrom]}. The default runs {@link #rows} four times.
   */
  default void rows4(Int8Tensor w, float[][] x, int rowFrom, int rowTo, float[] y, int yOffset, int yStride) {
    for (int m = 0; m < 4; m++) {
      rows(w, x[m], rowFrom, rowTo, y, yOffset + m * yStride);
    }
  }
}
