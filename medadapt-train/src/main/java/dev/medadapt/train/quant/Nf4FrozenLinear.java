package dev.medadapt.train.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.medadapt.core.model.qwen2.Projection;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.quant.Nf4Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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
  /** Dequantization buffers shared by all layers of a model. */
  private final Workspace[] shared;

  private Nf4FrozenLinear(Nf4Codec codec, Nf4Tensor weight, NDArray bias, Workspace[] shared) {
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
    Workspace[] shared = {new Workspace()};
    return (w, module, out, in, hasBias) -> {
      Nf4Tensor q = codec.quantize(w.floats(module + ".weight", out, in), out, in);
      NDArray bias = hasBias
          ? dev.medadapt.train.internal.OwnedArrays.of(w.manager(), w.floats(module + ".bias", out), new Shape(out))
          : null;
      shared[0].ensure(out * in);
      return new Nf4FrozenLinear(codec, q, bias, shared);
    };
  }

  /** The packed weight {@code [out, in]}. */
  Nf4Tensor packed() {
    return weight;
  }

  /** The float32 bias, or null. */
  NDArray bias() {
    return bias;
  }

  /** Bytes held by the packed weight and its statistics. */
  public long packedBytes() {
    return weight.sizeInBytes();
  }

  @Override
  public NDArray apply(NDArray x) {
    int n = (int) weight.numel();
    int[] s = weight.shape();
    Workspace ws = shared[0];
    ws.ensure(n);
    // Unpacked straight into a reused native buffer, then a torch-owned copy (autograd keeps the weight for the
    // backward pass, so it must not alias the buffer). A fresh direct buffer per call cost page faults on every layer.
    codec.dequantizeParallel(weight, ws.direct.asFloatBuffer());
    NDArray w;
    try (NDArray blob = x.getManager().create(
        ws.direct.duplicate().order(ByteOrder.nativeOrder()).limit(n * 4).slice().order(ByteOrder.nativeOrder()),
        new Shape(s[0], s[1]), DataType.FLOAT32)) {
      w = blob.duplicate();
    }
    return Linear.linear(x, w, bias).singletonOrThrow();
  }

  /** The dequantization buffer shared by all layers of a model, grown to the largest weight. */
  static final class Workspace {
    ByteBuffer direct = ByteBuffer.allocateDirect(0);

    void ensure(int n) {
      if (direct.capacity() < n * 4) {
        direct = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
      }
    }
  }
}
