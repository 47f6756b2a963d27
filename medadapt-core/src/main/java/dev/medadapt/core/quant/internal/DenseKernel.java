package dev.medadapt.core.quant.internal;

import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Float32 vector primitives of the host decode step (attention over cached keys and values, norms): a dot product,
 * {@code y += a·x}, the product with a bfloat16 matrix (lm_head) and the products with a float16 or float32 matrix for
 * several inputs (a batch's decode step). Not API.
 */
public interface DenseKernel {
  /** The kernel this JVM uses: the Vector API one where {@code jdk.incubator.vector} is present, else plain Java. */
  static DenseKernel get() {
    return Holder.KERNEL;
  }

  /** A short name for logs, e.g. {@code "vector 256-bit"}. */
  String name();

  /** {@code sum_i a[aOffset + i] * b[bOffset + i]} for {@code i < n}. */
  float dot(float[] a, int aOffset, float[] b, int bOffset, int n);

  /** {@code y[yOffset + i] += alpha * x[xOffset + i]} for {@code i < n}. */
  void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n);

  /**
   * A product with a bfloat16 matrix held as its bits in {@code w} (row {@code r} from index {@code r * cols}):
   * {@code y[yOffset + m * yStride + r - rowFrom] = sum_c bf16(w[r * cols + c]) * x[m][c]} for each input {@code m} and
   * row {@code r} in {@code [rowFrom, rowTo)}. Each weight is widened to float32 exactly (a bfloat16 value is the upper
   * half of a float32) and read once for up to four inputs; for more, each row is widened once into an array that every
   * input is multiplied by.
   */
  void bf16Rows(ShortBuffer w, int cols, int rowFrom, int rowTo, float[][] x, float[] y, int yOffset, int yStride);

  /**
   * The product with a float16 matrix held as its bits in {@code w}, laid out and written as {@link #bf16Rows}. Each
   * row is widened to float32 exactly ({@link Float16#toFloat}) once, into a buffer that stays in cache while every
   * input is multiplied by it: for a batch of inputs the widening is paid once per weight, not once per input.
   */
  void f16Rows(ShortBuffer w, int cols, int rowFrom, int rowTo, float[][] x, float[] y, int yOffset, int yStride);

  /** {@link #f16Rows} on a float32 matrix: each row copied once into a buffer that every input is multiplied by. */
  void f32Rows(FloatBuffer w, int cols, int rowFrom, int rowTo, float[][] x, float[] y, int yOffset, int yStride);

  /** Chosen once per JVM. */
  final class Holder {
    private static final Logger LOG = LoggerFactory.getLogger(DenseKernel.class);
    static final DenseKernel KERNEL = VectorKernels.choose(LOG, "float32 decode primitives", "medadapt.dense.kernel",
        "dev.medadapt.core.quant.internal.VectorDenseKernel", DenseKernel.class, new ScalarDenseKernel(),
        DenseKernel::name);

    private Holder() {}
  }
}
