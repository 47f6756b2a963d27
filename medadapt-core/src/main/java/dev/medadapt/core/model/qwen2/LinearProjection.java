package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.medadapt.core.runtime.CpuFeatures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A dense linear layer {@code y = x W^T + b} with the weight in PyTorch layout {@code [out, in]}.
 * When the weight is float16 the input is cast down and the result back up to float32: for a few rows (decoding)
 * reading the weight is the cost and float16 halves it. On a CPU without float16 arithmetic PyTorch's float16
 * product of many rows (a prompt's prefill, a large decoding batch) is several times slower than float32, so
 * from {@code widenFromRows} rows on, outside autograd, the weight is widened to float32 for that one product (a
 * temporary, freed at once). On a CPU with float16 arithmetic ({@link CpuFeatures#float16Arithmetic()}) the float16
 * product is the faster one at every row count measured (1 to 512), and it is kept.
 *
 * <p>A float16 layer on the CPU also takes a decode step's rows from Java arrays ({@link #multiplyHost}): the input is
 * rounded to float16 and the output widened in Java, bit for bit as PyTorch's casts do, around the same float16
 * product, which saves the two cast operations of every product.
 *
 * @param weight {@code [out, in]}, float32 or float16; owned by the model
 * @param bias {@code [out]} or null
 * @param widenFromRows rows (tokens) from which a float16 weight is widened for the product
 */
public record LinearProjection(NDArray weight, NDArray bias, long widenFromRows) implements HostProjection {

  /** Rows from which a float16 weight is widened on a CPU without float16 arithmetic; decode steps stay below. */
  static final long WIDEN_FROM_ROWS = 16;

  /**
   * The default of {@code widenFromRows}: {@link #WIDEN_FROM_ROWS}, or never on a CPU with float16 arithmetic;
   * the system property {@code medadapt.fp16.widenFromRows} (a row count, or {@code never}) overrides it.
   */
  static final long DEFAULT_WIDEN_FROM_ROWS = defaultWidenFromRows();

  /** A layer with the CPU's default for float16 products ({@link #DEFAULT_WIDEN_FROM_ROWS}). */
  public LinearProjection(NDArray weight, NDArray bias) {
    this(weight, bias, DEFAULT_WIDEN_FROM_ROWS);
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
    String p = System.getProperty("medadapt.fp16.widenFromRows");
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
          "system property medadapt.fp16.widenFromRows must be a row count >= 1 or 'never', was '" + p + "'");
    }
    return CpuFeatures.float16Arithmetic() ? Long.MAX_VALUE : WIDEN_FROM_ROWS;
  }

  /** Whether {@code rows} input rows go through {@link #multiplyHost}: a float16 weight on the CPU, below widening. */
  @Override
  public boolean takesOnHost(long rows) {
    return weight.getDataType() == DataType.FLOAT16 && rows < widenFromRows && !weight.getDevice().isGpu();
  }

  @Override
  public void multiplyHost(float[] x, int rows, float[] y) {
    int in = Math.toIntExact(inFeatures());
    int out = Math.toIntExact(outFeatures());
    ByteBuffer half = ByteBuffer.allocateDirect(rows * in * 2).order(ByteOrder.nativeOrder());
    Float16.fromFloats(x, 0, rows * in, half);
    try (NDManager scope = weight.getManager().newSubManager()) {
      // [rows, 1, in] as a decode step's tensor path has it: the same product (and bias addition) as apply runs.
      NDArray x16 = scope.create(half, new Shape(rows, 1, in), DataType.FLOAT16);
      NDArray product = Linear.linear(x16, weight, bias).singletonOrThrow();
      if (product.getDataType() == DataType.FLOAT16) {
        Float16.toFloats(product.toByteBuffer().order(ByteOrder.nativeOrder()), y, 0, rows * out);
      } else {
        // A float32 bias promotes the sum to float32.
        System.arraycopy(JavaProduct.floats(product), 0, y, 0, rows * out);
      }
    }
  }

  @Override
  public NDArray apply(NDArray x) {
    DataType wt = weight.getDataType();
    if (wt == DataType.FLOAT16 && x.getShape().size() / x.getShape().getShape()[x.getShape().dimension() - 1]
        >= widenFromRows && !x.hasGradient()) {
      // Nothing is recorded for backward (x needs no gradient and the weight is frozen), so the widened
      // copy can go as soon as the product exists.
      try (NDArray w32 = weight.toType(DataType.FLOAT32, false)) {
        NDArray in32 = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        return Linear.linear(in32, w32, bias).singletonOrThrow();
      }
    }
    NDArray in = x.getDataType() == wt ? x : x.toType(wt, false);
    NDArray y = Linear.linear(in, weight, bias).singletonOrThrow();
    return y.getDataType() == DataType.FLOAT32 ? y : y.toType(DataType.FLOAT32, false);
  }
}
