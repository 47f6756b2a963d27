package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.medadapt.core.quant.internal.DenseKernel;
import dev.medadapt.core.quant.internal.Float16;
import dev.medadapt.core.quant.internal.OutputRows;
import dev.medadapt.core.runtime.CpuFeatures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * A dense linear layer {@code y = x W^T + b} with the weight in PyTorch layout {@code [out, in]}.
 * When the weight is float16 and the CPU has float16 arithmetic ({@link CpuFeatures#float16Arithmetic()}), the input is
 * cast down and the result back up to float32 around PyTorch's float16 product, the faster one there at every row
 * count measured (1 to 512). On a CPU without it PyTorch's float16 product of many rows (a prompt's prefill, a large
 * decoding batch) is several times slower than float32, so outside autograd the tensor product is the float32 product
 * on the exactly widened weight: from {@code widenFromRows} rows on with a widened copy (a temporary, freed at once),
 * below it in Java on the weight's bits ({@link DenseKernel#f16Rows}). A pass's results then do not depend on its row
 * count: a prompt scored whole and scored as a shared prefix plus continuations agree to float32 rounding. Under
 * autograd the float16 product is kept.
 *
 * <p>A float16 layer on the CPU also takes a decode step's rows from Java arrays ({@link #multiplyHost}): the input is
 * rounded to float16 and the output widened in Java, bit for bit as PyTorch's casts do, around PyTorch's float16
 * product (a decode step reads the weight once, and float16 halves the bytes). On a CPU without float16 arithmetic PyTorch's
 * float16 product of a few rows is several times slower than of one, and widening the whole weight for each product
 * of 16 rows or more costs more than the product, so there a decode step of {@code javaFromRows} rows or more (a
 * batch) multiplies in Java ({@link DenseKernel#f16Rows}: the weight read in place, each row widened once, in cache,
 * for every row of the batch), and smaller steps take one PyTorch product per row. Below {@code widenFromRows} rows
 * the Java product rounds its input, bias and sums to float16 as PyTorch's float16 product does (PyTorch also rounds
 * some partial sums, so the two differ by a float16 step now and then); from there on it is the float32 product,
 * as the tensor path's. A float32 layer's decode step of {@code javaFromRows} rows or more multiplies in
 * Java the same way ({@link DenseKernel#f32Rows}): PyTorch's product of 4 to 16 rows ran at half its rate.
 *
 * @param weight {@code [out, in]}, float32 or float16; owned by the model
 * @param bias {@code [out]} or null
 * @param widenFromRows rows (tokens) from which a float16 weight is widened for the tensor product (below, when finite,
 *     the same float32 product runs in Java)
 * @param javaFromRows rows of a decode step from which the product runs in Java on the CPU
 */
public record LinearProjection(NDArray weight, NDArray bias, long widenFromRows, long javaFromRows)
    implements HostProjection {

  /** Rows from which a float16 weight is widened on a CPU without float16 arithmetic (a prompt; decode batches this
   * large multiply in Java on the float16 bits). */
  static final long WIDEN_FROM_ROWS = 16;

  /**
   * The default of {@code widenFromRows}: {@link #WIDEN_FROM_ROWS}, or never on a CPU with float16 arithmetic;
   * the system property {@code medadapt.fp16.widenFromRows} (a row count, or {@code never}) overrides it.
   */
  static final long DEFAULT_WIDEN_FROM_ROWS = defaultWidenFromRows();

  /**
   * Rows from which a float16 decode step multiplies in Java: 4, or never on a CPU with float16 arithmetic (whose
   * float16 products of many rows are fast); the system property {@code medadapt.fp16.javaFromRows} (a row count, or
   * {@code never}) overrides it.
   */
  static final long JAVA_FROM_ROWS = rowsProperty("medadapt.fp16.javaFromRows",
      CpuFeatures.float16Arithmetic() ? Long.MAX_VALUE : 4);

  /**
   * Rows from which a float32 decode step multiplies in Java ({@link DenseKernel#f32Rows}): 4, where PyTorch's product
   * of a few rows ran at half the Java product's rate; the system property {@code medadapt.fp32.javaFromRows} (a row
   * count, or {@code never}) overrides it.
   */
  static final long FLOAT32_JAVA_FROM_ROWS = rowsProperty("medadapt.fp32.javaFromRows", 4);

  /** A layer with the CPU's defaults ({@link #DEFAULT_WIDEN_FROM_ROWS}, and the Java product's for its type). */
  public LinearProjection(NDArray weight, NDArray bias) {
    this(weight, bias, DEFAULT_WIDEN_FROM_ROWS);
  }

  /**
   * A layer that widens a float16 weight from {@code widenFromRows} rows, with the default rows of the Java product for
   * its type ({@link #JAVA_FROM_ROWS} for float16, {@link #FLOAT32_JAVA_FROM_ROWS} for float32).
   */
  public LinearProjection(NDArray weight, NDArray bias, long widenFromRows) {
    this(weight, bias, widenFromRows,
        weight.getDataType() == DataType.FLOAT16 ? JAVA_FROM_ROWS : FLOAT32_JAVA_FROM_ROWS);
  }

  /** Output width. */
  public long outFeatures() {
    return weight.getShape().get(0);
  }

  /** Input width. */
  public long inFeatures() {
    return weight.getShape().get(1);
  }

  private static long defaultWidenFromRows() {
    return rowsProperty("medadapt.fp16.widenFromRows",
        CpuFeatures.float16Arithmetic() ? Long.MAX_VALUE : WIDEN_FROM_ROWS);
  }

  /** The row count of system property {@code name} ({@code never}: none), else {@code otherwise}. */
  private static long rowsProperty(String name, long otherwise) {
    String p = System.getProperty(name);
    if (p != null) {
      if (p.equals("never")) {
        return Long.MAX_VALUE;
      }
      try {
        long rows = Long.parseLong(p.trim());
        if (rows >= 1) {
          return rows;
        }
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
      throw new IllegalArgumentException(
          "system property " + name + " must be a row count >= 1 or 'never', was '" + p + "'");
    }
    return otherwise;
  }

  /**
   * Whether {@code rows} input rows go through {@link #multiplyHost}, on the CPU: a float16 weight below widening or
   * from {@code javaFromRows} rows on, a float32 weight from {@code javaFromRows} rows on.
   */
  @Override
  public boolean takesOnHost(long rows) {
    if (weight.getDevice().isGpu()) {
      return false;
    }
    DataType type = weight.getDataType();
    return type == DataType.FLOAT16 ? rows < widenFromRows || rows >= javaFromRows
        : type == DataType.FLOAT32 && rows >= javaFromRows;
  }

  @Override
  public void multiplyHost(float[] x, int rows, float[] y) {
    int in = Math.toIntExact(inFeatures());
    int out = Math.toIntExact(outFeatures());
    OutputRows.check(out, in, x, rows, y);
    if (weight.getDataType() == DataType.FLOAT32) {
      multiplyInJava(x, rows, y, in, out, false);
      return;
    }
    if (rows >= javaFromRows || rows >= widenFromRows) {
      multiplyInJava(x, rows, y, in, out, rows < widenFromRows);
      return;
    }
    // Where multi-row float16 products are slow (javaFromRows is finite), the rows below javaFromRows go one product
    // each: PyTorch's one-row product is its fast one, and a row's result is then the same in a batch as alone.
    int perProduct = javaFromRows == Long.MAX_VALUE ? rows : 1;
    ByteBuffer half = ByteBuffer.allocateDirect(perProduct * in * 2).order(ByteOrder.nativeOrder());
    for (int r0 = 0; r0 < rows; r0 += perProduct) {
      Float16.fromFloats(x, r0 * in, perProduct * in, half);
      try (NDManager scope = weight.getManager().newSubManager()) {
        // [rows, 1, in] as a decode step's tensor path has it: the same product (and bias addition) as apply runs.
        NDArray x16 = scope.create(half, new Shape(perProduct, 1, in), DataType.FLOAT16);
        NDArray product = Linear.linear(x16, weight, bias).singletonOrThrow();
        if (product.getDataType() == DataType.FLOAT16) {
          Float16.toFloats(product.toByteBuffer().order(ByteOrder.nativeOrder()), y, r0 * out, perProduct * out);
        } else {
          // A float32 bias promotes the sum to float32.
          System.arraycopy(JavaProduct.floats(product), 0, y, r0 * out, perProduct * out);
        }
      }
    }
  }

  /**
   * The product on the weight (float16 bits or float32 values) in place. {@code asFloat16}: the input and the bias are
   * rounded to float16 and each sum plus bias rounded to float16, as PyTorch's float16 product with a float32 bias;
   * else float32 throughout, as the product with the widened weight.
   */
  private void multiplyInJava(float[] x, int rows, float[] y, int in, int out, boolean asFloat16) {
    boolean half = weight.getDataType() == DataType.FLOAT16;
    ByteBuffer bytes = weight.toByteBuffer(true);
    if (!bytes.isDirect() || bytes.capacity() != (half ? 2L : 4L) * in * out) {
      throw new IllegalStateException("weight " + weight.getShape() + " " + weight.getDataType()
          + " is not readable in place");
    }
    bytes.order(ByteOrder.nativeOrder());
    float[] input = x;
    if (asFloat16) {
      input = new float[rows * in];
      for (int i = 0; i < input.length; i++) {
        input[i] = Float16.round(x[i]);
      }
    }
    float[][] xs = OutputRows.inputs(input, rows, in);
    DenseKernel kernel = DenseKernel.get();
    if (half) {
      ShortBuffer bits = bytes.asShortBuffer();
      OutputRows.split(out, (from, to) -> kernel.f16Rows(bits, in, from, to, xs, y, from, out));
    } else {
      FloatBuffer values = bytes.asFloatBuffer();
      OutputRows.split(out, (from, to) -> kernel.f32Rows(values, in, from, to, xs, y, from, out));
    }
    float[] b = bias == null ? null : JavaProduct.floats(bias);
    if (b != null && asFloat16) {
      for (int r = 0; r < out; r++) {
        b[r] = Float16.round(b[r]);
      }
    }
    JavaProduct.addBias(y, rows, out, b);
    if (asFloat16) {
      for (int i = 0; i < rows * out; i++) {
        y[i] = Float16.round(y[i]);
      }
    }
  }

  @Override
  public NDArray apply(NDArray x) {
    DataType wt = weight.getDataType();
    long[] shape = x.getShape().getShape();
    long rows = x.getShape().size() / shape[shape.length - 1];
    if (wt == DataType.FLOAT16 && rows >= widenFromRows && !x.hasGradient()) {
      // Nothing is recorded for backward (x needs no gradient and the weight is frozen), so the widened
      // copy can go as soon as the product exists.
      try (NDArray w32 = weight.toType(DataType.FLOAT32, false)) {
        NDArray in32 = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        return Linear.linear(in32, w32, bias).singletonOrThrow();
      }
    }
    if (wt == DataType.FLOAT16 && widenFromRows != Long.MAX_VALUE && !x.hasGradient() && !weight.getDevice().isGpu()
        && rows <= Integer.MAX_VALUE) {
      // Where many rows widen the weight, fewer rows take the same float32 product in Java on the weight's bits
      // (widened exactly): a layer's tensor results then do not depend on how many rows a pass holds (a prompt
      // scored whole and scored as a shared prefix plus continuations agree to float32 rounding).
      int in = Math.toIntExact(inFeatures());
      int out = Math.toIntExact(outFeatures());
      float[] y = new float[Math.toIntExact(rows * out)];
      multiplyInJava(JavaProduct.floats(x), (int) rows, y, in, out, false);
      shape[shape.length - 1] = out;
      return x.getManager().create(y, new Shape(shape));
    }
    NDArray in = x.getDataType() == wt ? x : x.toType(wt, false);
    NDArray y = Linear.linear(in, weight, bias).singletonOrThrow();
    return y.getDataType() == DataType.FLOAT32 ? y : y.toType(DataType.FLOAT32, false);
  }
}
