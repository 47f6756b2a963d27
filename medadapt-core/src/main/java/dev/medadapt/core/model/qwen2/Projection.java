package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;

/**
 * One learned map of the model, applied to activations: a linear layer ({@code x W^T + b}) or the
 * token-embedding lookup. Every such map of {@link Qwen2Model} goes through this interface, keyed by
 * its Hugging Face module name ({@code model.layers.0.self_attn.q_proj}, {@code model.embed_tokens},
 * {@code lm_head}), so a trainer can wrap the frozen base with a LoRA delta:
 *
 * <pre>{@code
 * model.wrapProjections((name, base) -> name.endsWith("q_proj") || name.endsWith("v_proj")
 *     ? x -> base.apply(x).add(x.matMul(loraA.transpose()).matMul(loraB.transpose()).mul(scale))
 *     : base);
 * }</pre>
 *
 * <p>Implementations use plain NDArray operations so autograd ({@code GradientCollector}) can flow
 * through them, and create results on the manager of {@code x} (call operations on {@code x}, not on
 * the weight), so per-request memory is released with the request's manager.
 */
@FunctionalInterface
public interface Projection {
  /**
   * Applies the map. Linear layers take {@code [..., in]} float32 activations and return
   * {@code [..., out]} float32; the embedding takes int64 token ids {@code [B, T]} and returns
   * {@code [B, T, hidden]} float32.
   */
  NDArray apply(NDArray x);
}
