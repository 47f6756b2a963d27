package dev.medadapt.train.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.medadapt.core.model.qwen2.Projection;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.quant.Nf4DeviceWeight;
import dev.medadapt.core.quant.Nf4Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A frozen linear layer stored as NF4 (QLoRA's base): the weight is kept packed (about 0.5 byte per parameter plus
 * the absmax statistics) and dequantized on every call, so no gradient flows into it and the full-precision weight
 * exists only while the layer runs. Bias stays float32.
 *
 * <p>On the CPU the codes are unpacked in Java into a buffer shared by all layers; when the input needs no gradient
 * (inference, and the forward pass of activation checkpointing) the product reads that buffer directly, otherwise a
 * torch-owned copy is made, which autograd keeps for the backward pass of this one layer. On a GPU the packed codes
 * and the block scales are copied to the device once, and each call dequantizes there with tensor operations (a
 * codebook lookup and a multiplication), so no per-step Java loop touches device memory.
 *
 * <p>Use {@link #loader(Nf4Codec)} as the {@link Qwen2Model.LinearLoader} when loading the base.
 */
public final class Nf4FrozenLinear implements Projection {
  private final Nf4Codec codec;
  private final Nf4Tensor weight;
  private final NDArray bias;
  /** Dequantization buffers shared by all layers of a model. */
  private final Workspace[] shared;
  /** Packed codes and block scales on the model's device, when that is not the CPU (or a test asks for it). */
  private Nf4DeviceWeight deviceCodes;

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
      Nf4Tensor q = codec.quantize(w.scratchFloats(module + ".weight", out, in), out, in);
      NDArray bias = hasBias
          ? dev.medadapt.train.internal.OwnedArrays.of(w.manager(), w.floats(module + ".bias", out), new Shape(out))
          : null;
      Nf4FrozenLinear p = new Nf4FrozenLinear(codec, q, bias, shared);
      if (w.manager().getDevice().isGpu()) {
        p.deviceCodes = Nf4DeviceWeight.of(w.manager(), q);
      } else {
        shared[0].ensure(out * in);
      }
      return p;
    };
  }

  /** Tests: dequantize with tensor operations (the GPU path) on {@code owner}'s device, whatever it is. */
  void useTensorOps(NDManager owner) {
    deviceCodes = Nf4DeviceWeight.of(owner, weight);
  }

  Nf4DeviceWeight deviceCodesForTest() {
    return deviceCodes;
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
    int[] s = weight.shape();
    if (deviceCodes != null) {
      try (NDManager scope = x.getManager().newSubManager()) {
        NDArray w = deviceCodes.dequantize(scope);
        NDArray y = Linear.linear(x, w, bias).singletonOrThrow();
        y.attach(x.getManager()); // autograd keeps w if it needs it; the handles can go
        return y;
      }
    }
    int n = (int) weight.numel();
    Workspace ws = shared[0];
    ws.ensure(n);
    // Unpacked straight into a reused native buffer; a fresh direct buffer per call cost page faults on every layer.
    codec.dequantizeParallel(weight, ws.direct.asFloatBuffer());
    try (NDArray blob = x.getManager().create(
        ws.direct.duplicate().order(ByteOrder.nativeOrder()).limit(n * 4).slice().order(ByteOrder.nativeOrder()),
        new Shape(s[0], s[1]), DataType.FLOAT32)) {
      if (!x.hasGradient()) {
        // Nothing is recorded (x needs no gradient, the weight is frozen): the product can read the buffer itself.
        return Linear.linear(x, blob, bias).singletonOrThrow();
      }
      // Autograd keeps the weight for the backward pass, so it must not alias the buffer the next layer overwrites.
      try (NDArray w = blob.duplicate()) {
        return Linear.linear(x, w, bias).singletonOrThrow();
      }
    }
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
