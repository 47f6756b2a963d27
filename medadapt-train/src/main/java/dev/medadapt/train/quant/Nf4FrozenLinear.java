package dev.medadapt.train.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
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
 * <p>On the CPU the codes are unpacked in Java into a buffer shared by all layers; when autograd records nothing
 * (inference, and the forward pass of activation checkpointing) the product reads that buffer directly; in a layer
 * recomputed by activation checkpointing ({@link #LAYER_SCOPE}) it reads a buffer of its own projection role that
 * lives until the next layer is recomputed; otherwise a torch-owned copy is made, which autograd keeps for the
 * backward pass of this one layer. On a GPU the packed codes
 * and the block scales are copied to the device once, and each call dequantizes there with tensor operations (a
 * codebook lookup and a multiplication), so no per-step Java loop touches device memory.
 *
 * <p>Use {@link #loader(Nf4Codec)} as the {@link Qwen2Model.LinearLoader} when loading the base.
 */
public final class Nf4FrozenLinear implements Projection {
  /**
   * The name of an {@link NDManager} whose arrays belong to one recomputed decoder layer of activation checkpointing:
   * the layer's graph is built, backpropagated and freed before the next layer's is built. When the input of a call
   * is in such a manager and needs a gradient, the dequantized weight autograd keeps is not a fresh copy but a
   * buffer reused by the same projection of every layer (one per projection of a layer, {@code q_proj} …
   * {@code down_proj}), filled only when it does not already hold this weight: no page faults for fresh weight copies
   * and one dequantization per layer however many slices of positions reuse it.
   */
  public static final String LAYER_SCOPE = "medadapt.layer-scope";

  private final Nf4Codec codec;
  /** The projection's name within a layer, e.g. {@code mlp.down_proj}: the key of its layer-scope buffer. */
  private final String role;
  private final Nf4Tensor weight;
  private final NDArray bias;
  /** Dequantization buffers shared by all layers of a model. */
  private final Workspace[] shared;
  /** Packed codes and block scales on the model's device, when that is not the CPU (or a test asks for it). */
  private Nf4DeviceWeight deviceCodes;

  private Nf4FrozenLinear(Nf4Codec codec, String module, Nf4Tensor weight, NDArray bias, Workspace[] shared) {
    this.codec = codec;
    this.role = module.replaceFirst("^model\\.layers\\.\\d+\\.", "");
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
      Nf4FrozenLinear p = new Nf4FrozenLinear(codec, module, q, bias, shared);
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
    if (JniUtils.isGradMode() && LAYER_SCOPE.equals(x.getManager().getName())) {
      ByteBuffer buffer = ws.layerBuffer(role, weight, codec);
      try (NDArray w = x.getManager().create(buffer, new Shape(s[0], s[1]), DataType.FLOAT32)) {
        return Linear.linear(x, w, bias).singletonOrThrow();
      }
    }
    ws.ensure(n);
    // Unpacked straight into a reused native buffer; a fresh direct buffer per call cost page faults on every layer.
    codec.dequantizeParallel(weight, ws.direct.asFloatBuffer());
    try (NDArray blob = x.getManager().create(firstBytes(ws.direct, n * 4), new Shape(s[0], s[1]), DataType.FLOAT32)) {
      if (!JniUtils.isGradMode()) {
        // Autograd records nothing (inference, the forward pass of activation checkpointing): the product can read
        // the buffer itself. With recording on, a product whose input needs no gradient is not enough: that gave
        // wrong LoRA gradients on an NF4 base (MicroBatchPassTest), so such products get a copy of the weight too.
        return Linear.linear(x, blob, bias).singletonOrThrow();
      }
      // Autograd keeps the weight for the backward pass, so it must not alias the buffer the next layer overwrites.
      try (NDArray w = blob.duplicate()) {
        return Linear.linear(x, w, bias).singletonOrThrow();
      }
    }
  }

  /** The first {@code bytes} bytes of {@code buffer} as a native-order buffer of their own (for a tensor view). */
  private static ByteBuffer firstBytes(ByteBuffer buffer, int bytes) {
    return buffer.duplicate().order(ByteOrder.nativeOrder()).limit(bytes).slice().order(ByteOrder.nativeOrder());
  }

  /** The dequantization buffers shared by all layers of a model. */
  static final class Workspace {
    /** For calls without a gradient: grown to the largest weight, overwritten by every call. */
    ByteBuffer direct = ByteBuffer.allocateDirect(0);
    /** {@link #LAYER_SCOPE} buffers by projection role. */
    private final java.util.Map<String, LayerBuffer> layerBuffers = new java.util.HashMap<>();

    /** One role's buffer and the weight dequantized into it (null before the first fill). */
    private static final class LayerBuffer {
      final ByteBuffer buffer;
      Nf4Tensor holds;

      LayerBuffer(int bytes) {
        buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
      }
    }

    void ensure(int n) {
      if (direct.capacity() < n * 4) {
        direct = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
      }
    }

    /** The buffer of {@code role} holding {@code weight} dequantized (filled unless it already holds it). */
    ByteBuffer layerBuffer(String role, Nf4Tensor weight, Nf4Codec codec) {
      int bytes = Math.multiplyExact((int) weight.numel(), 4);
      LayerBuffer b = layerBuffers.get(role);
      if (b == null || b.buffer.capacity() < bytes) {
        b = new LayerBuffer(bytes);
        layerBuffers.put(role, b);
      }
      if (b.holds != weight) {
        codec.dequantizeParallel(weight, b.buffer.asFloatBuffer());
        b.holds = weight;
      }
      return firstBytes(b.buffer, bytes);
    }
  }
}
