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
  FP16,
  /**
   * The weights of a BF16 checkpoint kept as their bfloat16 bits (CPU only, for inference): a decode step multiplies
   * on the bits in Java, widening each weight exactly as it is read; a prompt widens chunks of rows to float32 for
   * one product. All arithmetic is float32, so results equal {@link #FP32}'s within float32 rounding of the sums, at
   * the memory and bytes per decoded token of {@link #FP16}, with none of float16's rounding or range limits. A tensor
   * the checkpoint stores in another dtype, or that finds no room in direct memory (bounded by
   * {@code -XX:MaxDirectMemorySize}, by default the maximum heap size), is loaded as float32. Training
   * takes {@link #FP32}, {@link #FP16} or an NF4 base instead.
   */
  BF16
}
