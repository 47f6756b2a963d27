package dev.medadapt.core.quant;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.quant.internal.Int8Kernel;
import dev.medadapt.core.quant.internal.OutputRows;
import dev.medadapt.core.quant.internal.ScalarInt8Kernel;
import dev.medadapt.core.quant.internal.VectorKernels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The product of a few input rows with an 8-bit weight, {@code y = x W^T}, straight from the codes: what a decode
 * step needs, where reading the weight is the cost and int8 reads half the bytes of float16. Each row's sum of
 * {@code code * x} is multiplied by the row's scale once (dequantize-then-multiply rounds each {@code code * scale}
 * first); the two agree within float32 rounding of the sums.
 *
 * <p>The output rows are split over the available cores. The kernel is the Vector API one when the JVM runs with
 * {@code --add-modules jdk.incubator.vector} (as {@code ./medadapt}, {@code ./bench} and the tests do) and the CPU
 * has 256- or 512-bit vectors; otherwise a plain Java loop, with one log line saying so. The system property
 * {@code medadapt.int8.kernel=scalar} forces the plain loop.
 */
public final class Int8MatMul {
  private static final Logger LOG = LoggerFactory.getLogger(Int8MatMul.class);
  private static final Int8Kernel SCALAR = new ScalarInt8Kernel();

  private Int8MatMul() {}

  private static final class Chosen {
    static final Int8Kernel KERNEL = VectorKernels.choose(LOG, "INT8 products", "medadapt.int8.kernel",
        "dev.medadapt.core.quant.internal.VectorInt8Kernel", Int8Kernel.class, SCALAR, Int8Kernel::name);
  }

  /** Name of the kernel this JVM uses, e.g. {@code "vector 256-bit"} or {@code "scalar"}. */
  public static String kernelName() {
    return Chosen.KERNEL.name();
  }

  /**
   * {@code y[m * out + r] = sum_c x[m * in + c] * W[r][c]} for each of the {@code rows} input rows, with {@code W}
   * the dequantized {@code [out, in]} weight.
   *
   * @param x {@code rows * in} floats, row-major
   * @param rows input rows, at least 1
   * @param y receives {@code rows * out} floats
   * @throws ConfigurationException when the shapes do not fit
   */
  public static void multiply(Int8Tensor w, float[] x, int rows, float[] y) {
    multiply(Chosen.KERNEL, w, x, rows, y);
  }

  /** {@link #multiply} with the plain Java kernel, whatever the JVM offers (a reference for tests and benchmarks). */
  public static void multiplyScalar(Int8Tensor w, float[] x, int rows, float[] y) {
    multiply(SCALAR, w, x, rows, y);
  }

  private static void multiply(Int8Kernel kernel, Int8Tensor w, float[] x, int rows, float[] y) {
    Ensure.notNull(w, "w");
    Ensure.notNull(x, "x");
    Ensure.notNull(y, "y");
    int out = w.rows();
    int in = w.columns();
    OutputRows.check(out, in, x, rows, y);
    float[][] xs = OutputRows.inputs(x, rows, in);
    OutputRows.split(out, (from, to) -> task(kernel, w, xs, from, to, y));
  }

  private static void task(Int8Kernel kernel, Int8Tensor w, float[][] xs, int rowFrom, int rowTo, float[] y) {
    int out = w.rows();
    OutputRows.inTiles(rowFrom, rowTo, w.columns(), xs,
        (four, m, t0, t1) -> kernel.rows4(w, four, t0, t1, y, m * out + t0, out),
        (x, m, t0, t1) -> kernel.rows(w, x, t0, t1, y, m * out + t0));
  }
}
