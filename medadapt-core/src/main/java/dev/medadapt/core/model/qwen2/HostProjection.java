package dev.medadapt.core.model.qwen2;

/**
 * A projection that can also multiply a few input rows held in Java arrays: the quantized layers' fused products, the
 * bfloat16 lm_head's product on its bits, a float16 layer's product with its casts done in Java. The quantized and
 * bfloat16 ones use it in their own {@link #apply} for a decode step's tensor ({@link JavaProduct#apply}), and the host
 * decode step of {@link Qwen2Model} calls it directly (no tensor created, copied in or out per layer).
 */
interface HostProjection extends Projection {
  /** Whether {@link #multiplyHost} computes {@code rows} input rows (else the caller uses {@link #apply}). */
  boolean takesOnHost(long rows);

  /**
   * {@code y = x W^T + b} for the {@code rows} rows of {@code x} ({@code rows * in} floats) into {@code y} ({@code rows
   * * out} floats); only for a row count this projection {@linkplain #takesOnHost takes}.
   */
  void multiplyHost(float[] x, int rows, float[] y);
}
