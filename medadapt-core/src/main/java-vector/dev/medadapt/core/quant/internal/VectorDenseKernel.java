package dev.medadapt.core.quant.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DenseKernel} on the Vector API for 256- and 512-bit vectors: dot products in two independent multiply-add
 * chains, the tail in plain Java. Loaded reflectively only when {@code jdk.incubator.vector} is in the boot layer.
 * Not API.
 */
public final class VectorDenseKernel implements DenseKernel {
  private static final int L = FloatVector.SPECIES_PREFERRED.length();
  private static final VectorSpecies<Float> F16 = FloatVector.SPECIES_512;
  private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

  /** Whether this JVM's preferred vector shape is one this kernel implements (8 or 16 float lanes). */
  public static boolean usable() {
    return L == 16 || L == 8;
  }

  @Override
  public String name() {
    return "vector " + (L * 32) + "-bit";
  }

  @Override
  public float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
    return L == 16 ? dot(F16, a, aOffset, b, bOffset, n) : dot(F8, a, aOffset, b, bOffset, n);
  }

  private static float dot(VectorSpecies<Float> s, float[] a, int ao, float[] b, int bo, int n) {
    int l = s.length();
    FloatVector acc0 = FloatVector.zero(s);
    FloatVector acc1 = FloatVector.zero(s);
    int i = 0;
    for (; i + 2 * l <= n; i += 2 * l) {
      acc0 = FloatVector.fromArray(s, a, ao + i).fma(FloatVector.fromArray(s, b, bo + i), acc0);
      acc1 = FloatVector.fromArray(s, a, ao + i + l).fma(FloatVector.fromArray(s, b, bo + i + l), acc1);
    }
    for (; i + l <= n; i += l) {
      acc0 = FloatVector.fromArray(s, a, ao + i).fma(FloatVector.fromArray(s, b, bo + i), acc0);
    }
    float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += a[ao + i] * b[bo + i];
    }
    return sum;
  }

  @Override
  public void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
    if (L == 16) {
      axpy(F16, alpha, x, xOffset, y, yOffset, n);
    } else {
      axpy(F8, alpha, x, xOffset, y, yOffset, n);
    }
  }

  private static void axpy(VectorSpecies<Float> s, float alpha, float[] x, int xo, float[] y, int yo, int n) {
    int l = s.length();
    FloatVector a = FloatVector.broadcast(s, alpha);
    int i = 0;
    for (; i + l <= n; i += l) {
      FloatVector.fromArray(s, x, xo + i).fma(a, FloatVector.fromArray(s, y, yo + i)).intoArray(y, yo + i);
    }
    for (; i < n; i++) {
      y[yo + i] += alpha * x[xo + i];
    }
  }
}
