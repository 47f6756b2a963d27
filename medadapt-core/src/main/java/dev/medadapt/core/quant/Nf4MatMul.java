package dev.medadapt.core.quant;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.quant.internal.Nf4Kernel;
import dev.medadapt.core.quant.internal.OutputRows;
import dev.medadapt.core.quant.internal.ScalarNf4Kernel;
import dev.medadapt.core.quant.internal.VectorKernels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The product of a few input rows with an NF4 weight, {@code y = x W^T}, computed straight from the packed
 * 4-bit codes and block scales in one pass, without a float copy of the weight: what a decode step needs,
 * where reading the weight is the whole cost and NF4 reads a quarter of the bytes of float16.
 *
 * <p>Each block's partial sum {@code sum_i x_i * codebook[code_i]} is multiplied by its absmax once (the
 * dequantize-then-multiply path rounds each {@code codebook[code] * absmax} to float32 first); the two agree
 * within float32 rounding of the sums. Double-quantized scales are resolved per call, for the rows at hand.
 *
 * <p>The output rows are split over the available cores. The kernel is the Vector API one when the JVM runs
 * with {@code --add-modules jdk.incubator.vector} (as {@code ./medadapt}, {@code ./bench} and the tests do)
 * and the CPU has 256- or 512-bit vectors; otherwise a plain Java loop, with one log line saying so. On JDK 17
 * the vector kernel is about 4x faster with {@code -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0} (the
 * launchers set it): otherwise every codebook lane permutation checks its indexes outside the compiled code. The
 * system property {@code medadapt.nf4.kernel=scalar} forces the plain loop.
 *
 * <pre>{@code
 * Nf4Tensor w = Nf4Codec.builder().build().quantize(weights, 8960, 1536);
 * float[] y = new float[8960];
 * Nf4MatMul.multiply(w, x, 1, y);   // x: 1536 floats
 * }</pre>
 */
public final class Nf4MatMul {
  private static final Logger LOG = LoggerFactory.getLogger(Nf4MatMul.class);
  private static final Nf4Kernel SCALAR = new ScalarNf4Kernel();

  private Nf4MatMul() {}

  /** The kernel chosen for this JVM (lazily, once). */
  private static final class Chosen {
    static final Nf4Kernel KERNEL = choose();
  }

  private static Nf4Kernel choose() {
    return VectorKernels.choose(LOG, "NF4 products", "medadapt.nf4.kernel",
        "dev.medadapt.core.quant.internal.VectorNf4Kernel", Nf4Kernel.class, SCALAR, Nf4Kernel::name);
  }

  /** Name of the kernel this JVM uses, e.g. {@code "vector 512-bit"} or {@code "scalar"}. */
  public static String kernelName() {
    return Chosen.KERNEL.name();
  }

  /**
   * {@code y[m * out + r] = sum_c x[m * in + c] * W[r][c]} for each of the {@code rows} input rows, with
   * {@code W} the dequantized {@code [out, in]} weight.
   *
   * @param w a 2-D NF4 weight {@code [out, in]}
   * @param x {@code rows * in} floats, row-major
   * @param rows input rows, at least 1
   * @param y receives {@code rows * out} floats
   * @throws ConfigurationException when the shapes do not fit
   */
  public static void multiply(Nf4Tensor w, float[] x, int rows, float[] y) {
    multiply(Chosen.KERNEL, w, x, rows, y);
  }

  /** {@link #multiply} with the plain Java kernel, whatever the JVM offers (a reference for tests and benchmarks). */
  public static void multiplyScalar(Nf4Tensor w, float[] x, int rows, float[] y) {
    multiply(SCALAR, w, x, rows, y);
  }

  static void multiply(Nf4Kernel chosen, Nf4Tensor w, float[] x, int rows, float[] y) {
    Ensure.notNull(w, "w");
    Ensure.notNull(x, "x");
    Ensure.notNull(y, "y");
    int[] shape = w.shape();
    if (shape.length != 2) {
      throw new ConfigurationException("w must be 2-D [out, in], was " + java.util.Arrays.toString(shape));
    }
    int out = shape[0];
    int in = shape[1];
    OutputRows.check(out, in, x, rows, y);
    Nf4Kernel kernel = chosen.supports(w) ? chosen : SCALAR;
    float[][] prepared = OutputRows.inputs(x, rows, in);
    for (int m = 0; m < rows; m++) {
      prepared[m] = kernel.prepare(prepared[m]);
    }
    OutputRows.split(out, (from, to) -> task(kernel, w, prepared, from, to, y));
  }

  private static void task(Nf4Kernel kernel, Nf4Tensor w, float[][] x, int rowFrom, int rowTo, float[] y) {
    int out = w.shape()[0];
    int in = w.shape()[1];
    float[] scales = w.absmax();
    int scaleBase = 0;
    if (scales == null && !kernel.resolvesDoubleQuant()) {
      // Only the blocks these rows touch, resolved as Nf4Codec resolves double-quantized absmax.
      int bs = w.blockSize();
      scaleBase = (int) ((long) rowFrom * in / bs);
      int last = (int) (((long) rowTo * in - 1) / bs);
      scales = new float[last - scaleBase + 1];
      Nf4Tensor.DoubleQuant dq = w.doubleQuant();
      for (int b = scaleBase; b <= last; b++) {
        scales[b - scaleBase] = Nf4Codec.blockScale(dq, b);
      }
    }
    float[] resolved = scales;
    int base = scaleBase;
    OutputRows.inTiles(rowFrom, rowTo, in / 2, x,
        (four, m, t0, t1) -> kernel.rows4(w, resolved, base, four, t0, t1, y, m * out + t0, out),
        (row, m, t0, t1) -> kernel.rows(w, resolved, base, row, t0, t1, y, m * out + t0));
  }
}
