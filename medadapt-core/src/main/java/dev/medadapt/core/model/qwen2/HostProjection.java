package dev.medadapt.core.model.qwen2;

/**
 * A projection that can also multiply a few input rows held in Java arrays, without tensors: the quantized layers'
 * fused products, which the host decode step of {@link Qwen2Model} calls directly (no tensor is created, copied in or
 * out per layer).
 */
interface HostProjection extends Projection {
  /**
   * {@code y = x W^T + b} for the {@code rows} rows of {@code x} ({@code rows * in} floats) into {@code y} ({@code rows
   * * out} floats), when this projection computes that many rows on the host; returns false, touching nothing,
   * when it does not (the caller then uses {@link #apply}).
   */
  boolean multiplyHost(float[] x, int rows, float[] y);
}
