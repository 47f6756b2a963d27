package dev.medadapt.core.model;

/** How linear-layer weights are stored at inference. */
public enum Quantization {
  /** Weights stored at the chosen {@link Precision}. */
  NONE,
  /**
   * 4-bit NormalFloat (bitsandbytes-compatible, block size 64): linear weights stay packed and are
   * dequantized one layer at a time into reused buffers; embeddings, norms and biases stay float.
   */
  NF4
}
