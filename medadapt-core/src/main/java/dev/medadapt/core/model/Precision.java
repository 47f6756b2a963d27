package dev.medadapt.core.model;

/** Floating-point type of the weights and matrix products at inference. */
public enum Precision {
  /** float32 weights and products (default; bf16 checkpoints are widened exactly). */
  FP32,
  /**
   * float16 weights and matrix products; norms, softmax, RoPE and the residual stream stay float32 (as
   * Hugging Face's Qwen2 upcasts them). Halves weight memory and the bytes read per decoded token, so
   * decoding on CPU is about 3x faster than FP32 (docs/benchmarks.md); a prompt's product widens each
   * weight to float32 on the fly, since PyTorch's CPU float16 GEMM is slow.
   */
  FP16
}
