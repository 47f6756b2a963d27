package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.quant.Nf4DeviceWeight;
import dev.medadapt.core.quant.Nf4MatMul;
import dev.medadapt.core.quant.Nf4Tensor;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * A linear layer whose weight stays packed as NF4 (about 4.5 bits per weight) and is dequantized on
 * every call, the way bitsandbytes' {@code Linear4bit} runs on CPU.
 *
 * <p>Two modes: with a shared {@link DequantWorkspace} (inference), the weight is dequantized into one
 * native buffer that all layers of the model reuse, so no native memory is allocated per call;
 * such a model must run one forward at a time, and gradients must not flow through it (the buffer
 * is overwritten by the next layer). Without a workspace ({@link #autogradSafe}), each call creates a
 * fresh weight tensor on the manager of {@code x}, which a trainer can backpropagate through (the
 * frozen NF4 base of QLoRA).
 *
 * <p>With a workspace, a call on at most {@link #FUSED_MAX_ROWS} rows (a decode step, or a batch's) that needs no
 * gradient skips the float weight altogether: {@link Nf4MatMul} multiplies straight from the packed codes,
 * in float32, on all cores (the Vector API kernel where the JVM has {@code jdk.incubator.vector}). Longer
 * inputs (a prompt's prefill) dequantize into the workspace and run PyTorch's matrix product there: the
 * workspace holds the weight as float32 (the product is exact for the dequantized weights) or as float16
 * ({@link #loader(Nf4Codec, Precision)} with {@code FP16}): half the bytes written and read per call, at the
 * cost of rounding each dequantized weight to float16, as a {@link Precision#FP16} dense model does.
 *
 * <p>On a GPU (the model's manager is on one) neither the Java workspace nor the fused product applies: the packed
 * codes and block scales are copied to the device once at load ({@link Nf4DeviceWeight}) and each call dequantizes
 * there with tensor operations into a temporary weight of the model's precision, so no per-call Java loop reads the
 * activations or writes the weight.
 */
public final class Nf4Projection implements HostProjection {
  private final Nf4Codec codec;
  private final Nf4Tensor weight;
  private final NDArray bias;
  private final DequantWorkspace workspace;
  private final int out;
  private final int in;
  /** The bias as Java floats for the fused product (null without bias or workspace). */
  private final float[] biasValues;
  /** Codes and scales on the model's device when that is not the CPU (or a test asks for it); else null. */
  private Nf4DeviceWeight onDevice;
  private DataType deviceType = DataType.FLOAT32;

  /**
   * Input rows up to which the fused product runs. It reads the packed weight once per four rows (one codebook
   * lookup for the four), so a decoding batch of 16 costs four passes over 0.56 bytes per weight; dequantizing
   * writes and re-reads 2 or 4 bytes per weight once and then runs PyTorch's matrix product, which wins for a
   * prompt. On the 1.5B shape a 16-row batch decoded 4.71 tok/s fused against 3.53 dequantized; single prompts of
   * 8 to 32 tokens were about 10% slower fused up to 32 rows than up to 8, so prompts above 16 rows dequantize.
   */
  static final int FUSED_MAX_ROWS = 16;

  private Nf4Projection(Nf4Codec codec, Nf4Tensor weight, NDArray bias, DequantWorkspace workspace) {
    this.codec = codec;
    this.weight = weight;
    this.bias = bias;
    this.workspace = workspace;
    this.out = weight.shape()[0];
    this.in = weight.shape()[1];
    this.biasValues = workspace != null && bias != null ? bias.toType(DataType.FLOAT32, false).toFloatArray() : null;
  }

  /** A projection that dequantizes into fresh tensors (safe under a GradientCollector). */
  public static Nf4Projection autogradSafe(Nf4Codec codec, Nf4Tensor weight, NDArray bias) {
    return new Nf4Projection(codec, weight, bias, null);
  }

  /** The packed weight {@code [out, in]}. */
  public Nf4Tensor weight() {
    return weight;
  }

  /** The float32 bias, or null. */
  public NDArray bias() {
    return bias;
  }

  /**
   * A {@link Qwen2Model.LinearLoader} that quantizes each checkpoint weight with {@code codec} and
   * shares one dequantization buffer across the model's layers (inference only).
   */
  public static Qwen2Model.LinearLoader loader(Nf4Codec codec) {
    return loader(codec, Precision.FP32);
  }

  /**
   * Like {@link #loader(Nf4Codec)}, dequantizing to {@code precision}: FP32 (exact products) or FP16
   * (half the memory traffic per token; products in float16).
   */
  public static Qwen2Model.LinearLoader loader(Nf4Codec codec, Precision precision) {
    Ensure.notNull(codec, "codec");
    Ensure.notNull(precision, "precision");
    DataType type = precision == Precision.FP16 ? DataType.FLOAT16 : DataType.FLOAT32;
    DequantWorkspace[] ws = {null};
    return (w, module, out, in, hasBias) -> {
      float[] dense = w.scratchFloats(module + ".weight", out, in);
      Nf4Tensor q = codec.quantize(dense, out, in);
      NDArray bias = hasBias ? w.floatParam(module + ".bias", out) : null;
      if (w.manager().getDevice().isGpu()) {
        Nf4Projection p = new Nf4Projection(codec, q, bias, null);
        p.placeOnDevice(w.manager(), type);
        return p;
      }
      if (ws[0] == null) {
        ws[0] = new DequantWorkspace(w.manager(), type);
      }
      return new Nf4Projection(codec, q, bias, ws[0]);
    };
  }

  /**
   * Dequantizes on {@code manager}'s device with tensor operations from now on (the GPU path), to {@code type}
   * (FLOAT32 or FLOAT16). Tests call it on the CPU to check that path against the Java kernel.
   */
  void placeOnDevice(NDManager manager, DataType type) {
    onDevice = Nf4DeviceWeight.of(manager, weight);
    deviceType = type;
  }

  @Override
  public boolean takesOnHost(long rows) {
    return onDevice == null && workspace != null && rows <= FUSED_MAX_ROWS;
  }

  @Override
  public void multiplyHost(float[] x, int rows, float[] y) {
    Nf4MatMul.multiply(weight, x, rows, y);
    JavaProduct.addBias(y, rows, out, biasValues);
  }

  @Override
  public NDArray apply(NDArray x) {
    // The product itself is LinearProjection's: input cast to the weight's type, float32 result, and a
    // float16 weight widened for prompts.
    if (onDevice != null) {
      try (NDManager scope = x.getManager().newSubManager()) {
        NDArray w = onDevice.dequantize(scope);
        if (deviceType != DataType.FLOAT32) {
          w = w.toType(deviceType, false);
        }
        NDArray y = new LinearProjection(w, bias).apply(x);
        y.attach(x.getManager()); // autograd keeps the weight if it needs it; the handles can go
        return y;
      }
    }
    if (workspace == null) {
      float[] w = new float[out * in];
      codec.dequantizeParallel(weight, FloatBuffer.wrap(w));
      return new LinearProjection(x.getManager().create(w, new Shape(out, in)), bias).apply(x);
    }
    long rows = x.getShape().size() / in;
    if (JavaProduct.outsideAutograd(x) && takesOnHost(rows)) {
      return JavaProduct.apply(x, (int) rows, out, this);
    }
    synchronized (workspace) {
      return new LinearProjection(workspace.load(out, in, new DequantWorkspace.Fill() {
        @Override
        public void floats(FloatBuffer dst) {
          codec.dequantizeParallel(weight, dst);
        }

        @Override
        public void halves(ShortBuffer dst) {
          codec.dequantizeHalfParallel(weight, dst);
        }
      }), bias).apply(x);
    }
  }
}
