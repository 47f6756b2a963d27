package dev.medadapt.core.quant.internal;

import dev.medadapt.core.quant.Nf4Tensor;

/**
 * One implementation of the fused NF4 product {@code y[r] = sum_c W[r][c] x[c]} over a range of weight rows,
 * reading the packed codes and block scales directly (no float copy of the weight). Not API: see
 * {@link dev.medadapt.core.quant.Nf4MatMul}.
 */
public interface Nf4Kernel {
  /** A short name for logs and benchmark output, e.g. {@code "vector 512-bit"}. */
  String name();

  /**
   * Whether this kernel handles {@code w}'s layout; when false the caller uses {@link ScalarNf4Kernel}.
   * A kernel may need, for example, whole absmax blocks per row.
   */
  boolean supports(Nf4Tensor w);

  /**
   * Prepares one input row for {@link #rows}: the kernel may reorder it (the vector kernel splits each group
   * of elements into the even and the odd ones, matching the high and low nibbles of the packed bytes).
   *
   * @param x {@code in} floats
   * @return the input in the kernel's order; may be {@code x} itself
   */
  float[] prepare(float[] x);

  /** Whether {@link #rows} takes null scales and resolves a double-quantized tensor's absmax itself. */
  default boolean resolvesDoubleQuant() {
    return false;
  }

  /**
   * {@code y[yOffset + r - rowFrom] = sum_c W[r][c] * x[c]} for {@code r} in {@code [rowFrom, rowTo)}.
   *
   * @param scales float32 block scales (double quantization resolved by the caller): block {@code b}'s
   *     scale is {@code scales[b - scaleBase]}; covers at least the blocks of rows {@code [rowFrom, rowTo)}.
   *     Null (with {@code scaleBase} 0) when the kernel {@link #resolvesDoubleQuant} and {@code w} is
   *     double-quantized: the kernel resolves each block's scale where it uses it
   * @param x the row returned by {@link #prepare}
   */
  void rows(Nf4Tensor w, float[] scales, int scaleBase, float[] x, int rowFrom, int rowTo, float[] y, int yOffset);

  /**
   * {@link #rows} for four prepared inputs in one pass over the weight rows, each code looked up once for all four:
   * input {@code m}'s result for row {@code r} goes to {@code y[yOffset + m * yStride + r - rowFrom]}. The default
   * runs {@link #rows} four times.
   */
  default void rows4(Nf4Tensor w, float[] scales, int scaleBase, float[][] x, int rowFrom, int rowTo, float[] y,
      int yOffset, int yStride) {
    for (int m = 0; m < 4; m++) {
      rows(w, scales, scaleBase, x[m], rowFrom, rowTo, y, yOffset + m * yStride);
    }
  }
}
