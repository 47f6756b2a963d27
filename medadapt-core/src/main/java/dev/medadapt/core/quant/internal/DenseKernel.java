package dev.medadapt.core.quant.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Float32 vector primitives of the host decode step (attention over cached keys and values, norms): a dot product and
 * {@code y += a·x}. Not API.
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

  /** Chosen once per JVM. */
  final class Holder {
    private static final Logger LOG = LoggerFactory.getLogger(DenseKernel.class);
    static final DenseKernel KERNEL = VectorKernels.choose(LOG, "float32 decode primitives", "medadapt.dense.kernel",
        "dev.medadapt.core.quant.internal.VectorDenseKernel", DenseKernel.class, new ScalarDenseKernel(),
        DenseKernel::name);

    private Holder() {}
  }
}
