package dev.medadapt.core.model;

/** How linear-layer weights are stored at inference. */
public enum Quantization {
  /** Weights stored at the chosen {@link Precision}. */
  NONE,
  /**
   * 4-bit NormalFloat (bitsandbytes-compatible, block size 64): linear weights stay packed and are
   * dequantized one layer at a time into reused buffers; embeddings, norms and biases stay float.
   */
  NF4,
  /**
   * 8 bits per weight with one float32 scale per output channel (row): linear weights stay as int8 codes, half the
   * bytes of float16, and decode steps multiply straight from them; prompts dequantize one layer at a time to the
   * chosen {@link Precision}. Embeddings, norms and biases stay float. Inference only.
   */
  INT8
}
