package dev.medadapt.core.model;

/** Floating-point type of the weights and matrix products at inference. */
public enum Precision {
  /** float32 weights and products (default; bf16 checkpoints are widened exactly). */
  FP32,
  /**
   * float16 weights and matrix products; norms, softmax, RoPE and the residual stream stay float32 (as
   * Hugging Face's Qwen2 upcasts them). Halves weight memory and the bytes read per decoded token: decoding on
   * CPU ran 2.9x faster than FP32 on one machine measured, but no faster on one whose PyTorch float16 product
   * of a row is slow (docs/benchmarks.md). On a CPU without float16 arithmetic a prompt's product widens each
   * weight to float32 on the fly, since PyTorch's float16 GEMM is slow there.
   */
  FP16
}
