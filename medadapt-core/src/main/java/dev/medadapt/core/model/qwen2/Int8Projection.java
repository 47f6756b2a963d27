package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.quant.Int8MatMul;
import dev.medadapt.core.quant.Int8Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A linear layer whose weight is stored as 8-bit codes with one float32 scale per output channel ({@link
 * Int8Tensor}): half the bytes of float16, a quarter of float32, and a smaller error than NF4.
 *
 * <p>On the CPU a call on at most {@link #FUSED_MAX_ROWS} rows that needs no gradient (a decode step) multiplies
 * straight from the codes ({@link Int8MatMul}, float32, all cores); longer inputs (a prompt) dequantize into one
 * native buffer shared by the model's layers, as float32 or float16 ({@link #loader(Precision)}), and run PyTorch's
 * product there. An input that needs a gradient gets a fresh dequantized weight per call. On a GPU the codes and
 * scales are copied to the device once and dequantized there with tensor operations on each call.
 */
public final class Int8Projection implements HostProjection {
  /**
   * Input rows up to which the fused product runs: it reads the codes once per four rows, so a decoding batch of 16
   * reads them four times, against dequantizing every weight to float (4 bytes written and read per weight) for a
   * PyTorch product, which wins for a prompt.
   */
  static final int FUSED_MAX_ROWS = 32;
  /**
   * Weight elements dequantized at once for a prompt: a decoder layer of the 1.5B shape (13.8 M) in one piece,
   * lm_head (233 M) in slices, so the shared buffer stays at 64 MB of float32.
   */
  static final long SLICE_ELEMENTS = 16L << 20;

  private final Int8Tensor weight;
  private final NDArray bias;
  private final DequantWorkspace workspace;
  private final long sliceElements;
  private final float[] biasValues;
  private NDArray deviceCodes;
  private NDArray deviceScales;
  private DataType deviceType = DataType.FLOAT32;

  private Int8Projection(Int8Tensor weight, NDArray bias, DequantWorkspace workspace, long sliceElements) {
    this.sliceElements = sliceElements;
    this.weight = weight;
    this.bias = bias;
    this.workspace = workspace;
    this.biasValues = bias != null ? bias.toType(DataType.FLOAT32, false).toFloatArray() : null;
  }

  /**
   * A {@link Qwen2Model.LinearLoader} that quantizes each checkpoint weight to int8 per output channel, lm_head
   * included (for the 1.5B shape the largest matrix: 0.93 GB in float32, 0.23 GB in int8); prompts dequantize to
   * {@code precision} (FP32: exact products of the dequantized weights; FP16: half the bytes, products in float16)
   * into one buffer shared by the model's layers, sized to the largest slice of {@link #SLICE_ELEMENTS} (inference
   * only).
   */
  public static Qwen2Model.LinearLoader loader(Precision precision) {
    return loader(precision, SLICE_ELEMENTS);
  }

  /** {@link #loader(Precision)} dequantizing prompts' weights {@code sliceElements} at most at a time. */
  static Qwen2Model.LinearLoader loader(Precision precision, long sliceElements) {
    Ensure.notNull(precision, "precision");
    DataType type = precision == Precision.FP16 ? DataType.FLOAT16 : DataType.FLOAT32;
    DequantWorkspace[] ws = {null};
    return new Qwen2Model.LinearLoader() {
      @Override
      public Projection load(Qwen2Model.WeightSource w, String module, int out, int in, boolean hasBias) {
        Int8Tensor q;
        try {
          if ((long) out * in <= sliceElements) {
            q = Int8Tensor.quantize(w.scratchFloats(module + ".weight", out, in), out, in);
          } else {
            // A large matrix (lm_head) is read and quantized a row at a time: no float copy of it on the heap.
            if ((long) out * in > Integer.MAX_VALUE - 8) {
              throw new ModelFormatException(module + ".weight [" + out + ", " + in + "] has " + ((long) out * in)
                  + " elements, more than one Java array holds; it cannot be stored as INT8");
            }
            byte[] codes = new byte[out * in];
            float[] scales = new float[out];
            w.forEachRow(module + ".weight", out, in, (r, row) ->
                scales[r] = Int8Tensor.quantizeRow(row, 0, in, r, codes, r * in));
            q = Int8Tensor.of(codes, scales, out, in);
          }
        } catch (ConfigurationException e) {
          throw new ModelFormatException(module + ".weight: " + e.getMessage(), e);
        }
        NDArray bias = hasBias ? w.floatParam(module + ".bias", out) : null;
        if (w.manager().getDevice().isGpu()) {
          Int8Projection p = new Int8Projection(q, bias, null, sliceElements);
          p.placeOnDevice(w.manager(), type);
          return p;
        }
        if (ws[0] == null) {
          ws[0] = new DequantWorkspace(w.manager(), type);
        }
        return new Int8Projection(q, bias, ws[0], sliceElements);
      }

      @Override
      public boolean includesLmHead() {
        return true;
      }
    };
  }

  /** The quantized weight {@code [out, in]}. */
  public Int8Tensor weight() {
    return weight;
  }

  /**
   * Dequantizes on {@code manager}'s device with tensor operations from now on (the GPU path), to {@code type}
   * (FLOAT32 or FLOAT16). Tests call it on the CPU to check that path against the Java one.
   */
  void placeOnDevice(NDManager manager, DataType type) {
    ByteBuffer codes = ByteBuffer.allocateDirect(weight.values().length).order(ByteOrder.nativeOrder());
    codes.put(weight.values()).flip();
    deviceCodes = manager.create(codes, new Shape(weight.rows(), weight.columns()), DataType.INT8);
    deviceScales = manager.create(weight.scales(), new Shape(weight.rows(), 1));
    deviceType = type;
  }

  @Override
  public boolean takesOnHost(long rows) {
    return deviceCodes == null && workspace != null && rows <= FUSED_MAX_ROWS;
  }

  @Override
  public void multiplyHost(float[] x, int rows, float[] y) {
    Int8MatMul.multiply(weight, x, rows, y);
    JavaProduct.addBias(y, rows, weight.rows(), biasValues);
  }

  @Override
  public NDArray apply(NDArray x) {
    int out = weight.rows();
    int in = weight.columns();
    if (deviceCodes != null) {
      try (NDManager scope = x.getManager().newSubManager()) {
        NDArray codes = deviceCodes.toType(DataType.FLOAT32, false);
        codes.attach(scope);
        NDArray w = codes.mul(deviceScales);
        if (deviceType != DataType.FLOAT32) {
          w = w.toType(deviceType, false);
        }
        NDArray y = new LinearProjection(w, bias).apply(x);
        y.attach(x.getManager());
        return y;
      }
    }
    long rows = x.getShape().size() / in;
    if (JavaProduct.outsideAutograd(x) && takesOnHost(rows)) {
      return JavaProduct.apply(x, (int) rows, out, this);
    }
    // A prompt: the weight dequantized a slice of rows at a time (all of it for a decoder layer; lm_head of a
    // large vocabulary in slices), into the shared workspace or, for an input that needs a gradient, a fresh tensor.
    int sliceRows = (int) Math.max(1, Math.min(out, sliceElements / in));
    List<NDArray> parts = new ArrayList<>();
    for (int r0 = 0; r0 < out; r0 += sliceRows) {
      int r1 = Math.min(out, r0 + sliceRows);
      parts.add(slice(x, r0, r1));
    }
    NDArray y = parts.get(0);
    if (parts.size() > 1) {
      y = NDArrays.concat(new NDList(parts.toArray(NDArray[]::new)), -1);
      parts.forEach(NDArray::close);
    }
    if (bias == null) {
      return y;
    }
    NDArray withBias = y.add(bias);
    y.close();
    return withBias;
  }

  /** {@code x W[r0:r1]^T}, float32. */
  private NDArray slice(NDArray x, int r0, int r1) {
    int in = weight.columns();
    if (x.hasGradient() || workspace == null) {
      float[] w = new float[(r1 - r0) * in];
      weight.dequantizeParallel(r0, r1, FloatBuffer.wrap(w));
      return new LinearProjection(x.getManager().create(w, new Shape(r1 - r0, in)), null).apply(x);
    }
    synchronized (workspace) {
      return new LinearProjection(workspace.load(r1 - r0, in, new DequantWorkspace.Fill() {
        @Override
        public void floats(FloatBuffer dst) {
          weight.dequantizeParallel(r0, r1, dst);
        }

        @Override
        public void halves(ShortBuffer dst) {
          weight.dequantizeHalfParallel(r0, r1, dst);
        }
      }), null).apply(x);
    }
  }
}
