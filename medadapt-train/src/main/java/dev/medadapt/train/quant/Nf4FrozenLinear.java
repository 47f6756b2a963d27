package dev.medadapt.train.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.medadapt.core.model.qwen2.Projection;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.quant.Nf4Tensor;

/**
 * A frozen linear layer stored as NF4 (QLoRA's base): the weight is kept packed (about 0.5 byte per parameter plus
 * the absmax statistics) and dequantized into a buffer shared by all layers, then copied into a per-call NDArray on
 * the activation's manager, so the full-precision weight of only one layer exists at a time and no gradient flows
 * into it. Bias stays float32.
 *
 * <p>Use {@link #loader(Nf4Codec)} as the {@link Qwen2Model.LinearLoader} when loading the base.
 */
public final class Nf4FrozenLinear implements Projection {
  private final Nf4Codec codec;
  private final Nf4Tensor weight;
  private final NDArray bias;
  /** One dequantization buffer shared by all layers of a model, grown to the largest weight. */
  private final float[][] shared;

  private Nf4FrozenLinear(Nf4Codec codec, Nf4Tensor weight, NDArray bias, float[][] shared) {
    this.codec = codec;
    this.weight = weight;
    this.bias = bias;
    this.shared = shared;
  }

  /**
   * A loader that quantizes every linear weight with {@code codec} (Qwen2Model keeps lm_head dense, as QLoRA
   * leaves the output layer unquantized). Models loaded with one loader share its buffer: run one forward at a time.
   */
  public static Qwen2Model.LinearLoader loader(Nf4Codec codec) {
    float[][] shared = {new float[0]};
    return (w, module, out, in, hasBias) -> {
      Nf4Tensor q = codec.quantize(w.floats(module + ".weight", out, in), out, in);
      NDArray bias = hasBias
          ? dev.medadapt.train.internal.OwnedArrays.of(w.manager(), w.floats(module + ".bias", out), new Shape(out))
          : null;
      if (shared[0].length < out * in) {
        shared[0] = new float[out * in];
      }
      return new Nf4FrozenLinear(codec, q, bias, shared);
    };
  }

  /** Bytes held by the packed weight and its statistics. */
  public long packedBytes() {
    return weight.sizeInBytes();
  }

  @Override
  public NDArray apply(NDArray x) {
    float[] buf = shared[0];
    int n = (int) weight.numel();
    codec.dequantize(weight, 0, n, buf, 0);
    int[] s = weight.shape();
    NDArray w = dev.medadapt.train.internal.OwnedArrays.of(
        x.getManager(), n == buf.length ? buf : java.util.Arrays.copyOf(buf, n), new Shape(s[0], s[1]));
    return Linear.linear(x, w, bias).singletonOrThrow();
  }
}
