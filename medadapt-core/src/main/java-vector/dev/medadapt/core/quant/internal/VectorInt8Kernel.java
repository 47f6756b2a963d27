package dev.medadapt.core.quant.internal;

import dev.medadapt.core.quant.Int8Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 8-bit product on the Vector API ({@code jdk.incubator.vector}), for 512-bit (16 float lanes) and 256-bit (8
 * lanes) vectors: each step loads {@code L} codes, widens them to float ({@code vpmovsxbd} and {@code vcvtdq2ps})
 * and multiplies-adds them with the input in four independent chains; the row's sum is scaled once. Columns past the
 * last whole group of {@code 4L} run in plain Java. Compiled in its own source set with {@code --add-modules
 * jdk.incubator.vector} and loaded reflectively only when that module is in the boot layer. Not API.
 */
public final class VectorInt8Kernel implements Int8Kernel {
  private static final int L = FloatVector.SPECIES_PREFERRED.length();
  // Species as constants: JDK 17's C2 only intrinsifies vector operations whose species is a compile-time constant.
  private static final VectorSpecies<Float> F16 = FloatVector.SPECIES_512;
  private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
  private static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;
  private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
  private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;

  /** Whether this JVM's preferred vector shape is one this kernel implements (8 or 16 float lanes). */
  public static boolean usable() {
    return L == 16 || L == 8;
  }

  @Override
  public String name() {
    return "vector " + (L * 32) + "-bit";
  }

  @Override
  public void rows(Int8Tensor w, float[] x, int rowFrom, int rowTo, float[] y, int yOffset) {
    if (L == 16) {
      rows16(w, x, rowFrom, rowTo, y, yOffset);
    } else {
      rows8(w, x, rowFrom, rowTo, y, yOffset);
    }
  }

  @Override
  public void rows4(Int8Tensor w, float[][] x, int rowFrom, int rowTo, float[] y, int yOffset, int yStride) {
    if (L == 16) {
      rows4x16(w, x, rowFrom, rowTo, y, yOffset, yStride);
    } else {
      rows4x8(w, x, rowFrom, rowTo, y, yOffset, yStride);
    }
  }

  /** Four inputs per pass: each widened weight vector feeds four multiply-adds, one per input. */
  private static void rows4x8(Int8Tensor w, float[][] xs, int rowFrom, int rowTo, float[] y, int yOffset, int yStride) {
    byte[] q = w.values();
    float[] scales = w.scales();
    int in = w.columns();
    int whole = in - in % 8;
    float[] x0 = xs[0];
    float[] x1 = xs[1];
    float[] x2 = xs[2];
    float[] x3 = xs[3];
    for (int r = rowFrom; r < rowTo; r++) {
      int base = r * in;
      FloatVector a0 = FloatVector.zero(F8);
      FloatVector a1 = FloatVector.zero(F8);
      FloatVector a2 = FloatVector.zero(F8);
      FloatVector a3 = FloatVector.zero(F8);
      for (int c = 0; c < whole; c += 8) {
        FloatVector wv = widen8(q, base + c);
        a0 = wv.fma(FloatVector.fromArray(F8, x0, c), a0);
        a1 = wv.fma(FloatVector.fromArray(F8, x1, c), a1);
        a2 = wv.fma(FloatVector.fromArray(F8, x2, c), a2);
        a3 = wv.fma(FloatVector.fromArray(F8, x3, c), a3);
      }
      finish4(q, base, whole, in, xs, a0.reduceLanes(VectorOperators.ADD), a1.reduceLanes(VectorOperators.ADD),
          a2.reduceLanes(VectorOperators.ADD), a3.reduceLanes(VectorOperators.ADD), scales[r], y,
          yOffset + r - rowFrom, yStride);
    }
  }

  private static void rows4x16(Int8Tensor w, float[][] xs, int rowFrom, int rowTo, float[] y, int yOffset, int yStride) {
    byte[] q = w.values();
    float[] scales = w.scales();
    int in = w.columns();
    int whole = in - in % 16;
    float[] x0 = xs[0];
    float[] x1 = xs[1];
    float[] x2 = xs[2];
    float[] x3 = xs[3];
    for (int r = rowFrom; r < rowTo; r++) {
      int base = r * in;
      FloatVector a0 = FloatVector.zero(F16);
      FloatVector a1 = FloatVector.zero(F16);
      FloatVector a2 = FloatVector.zero(F16);
      FloatVector a3 = FloatVector.zero(F16);
      for (int c = 0; c < whole; c += 16) {
        FloatVector wv = widen16(q, base + c);
        a0 = wv.fma(FloatVector.fromArray(F16, x0, c), a0);
        a1 = wv.fma(FloatVector.fromArray(F16, x1, c), a1);
        a2 = wv.fma(FloatVector.fromArray(F16, x2, c), a2);
        a3 = wv.fma(FloatVector.fromArray(F16, x3, c), a3);
      }
      finish4(q, base, whole, in, xs, a0.reduceLanes(VectorOperators.ADD), a1.reduceLanes(VectorOperators.ADD),
          a2.reduceLanes(VectorOperators.ADD), a3.reduceLanes(VectorOperators.ADD), scales[r], y,
          yOffset + r - rowFrom, yStride);
    }
  }

  /** {@code sum} plus the products of the columns {@code [whole, in)} that the vector loop left over. */
  private static float tail(byte[] q, int base, int whole, int in, float[] x, float sum) {
    for (int c = whole; c < in; c++) {
      sum += q[base + c] * x[c];
    }
    return sum;
  }

  /** The four inputs' sums of one row completed by the leftover columns, scaled and stored {@code yStride} apart. */
  private static void finish4(byte[] q, int base, int whole, int in, float[][] xs, float s0, float s1, float s2,
      float s3, float scale, float[] y, int o, int yStride) {
    y[o] = tail(q, base, whole, in, xs[0], s0) * scale;
    y[o + yStride] = tail(q, base, whole, in, xs[1], s1) * scale;
    y[o + 2 * yStride] = tail(q, base, whole, in, xs[2], s2) * scale;
    y[o + 3 * yStride] = tail(q, base, whole, in, xs[3], s3) * scale;
  }

  private static FloatVector widen16(byte[] q, int offset) {
    // Bytes to ints, then ints to floats: on JDK 17 this is 1.36x faster than one B2F conversion for four inputs a pass
    // on an AVX-512 machine (./bench Nf4Benchmark decode-layers --format int8 --rows 16: 509 -> 374 ms).
    return (FloatVector) ((IntVector) ByteVector.fromArray(B16, q, offset).convertShape(VectorOperators.B2I, I16, 0))
        .convert(VectorOperators.I2F, 0);
  }

  private static FloatVector widen8(byte[] q, int offset) {
    return (FloatVector) ByteVector.fromArray(B8, q, offset).convertShape(VectorOperators.B2F, F8, 0);
  }

  private static void rows16(Int8Tensor w, float[] x, int rowFrom, int rowTo, float[] y, int yOffset) {
    byte[] q = w.values();
    float[] scales = w.scales();
    int in = w.columns();
    int whole = in - in % 64;
    for (int r = rowFrom; r < rowTo; r++) {
      int base = r * in;
      FloatVector s0 = FloatVector.zero(F16);
      FloatVector s1 = FloatVector.zero(F16);
      FloatVector s2 = FloatVector.zero(F16);
      FloatVector s3 = FloatVector.zero(F16);
      for (int c = 0; c < whole; c += 64) {
        s0 = widen16(q, base + c).fma(FloatVector.fromArray(F16, x, c), s0);
        s1 = widen16(q, base + c + 16).fma(FloatVector.fromArray(F16, x, c + 16), s1);
        s2 = widen16(q, base + c + 32).fma(FloatVector.fromArray(F16, x, c + 32), s2);
        s3 = widen16(q, base + c + 48).fma(FloatVector.fromArray(F16, x, c + 48), s3);
      }
      y[yOffset + r - rowFrom] = tail(q, base, whole, in, x, s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD))
          * scales[r];
    }
  }

  private static void rows8(Int8Tensor w, float[] x, int rowFrom, int rowTo, float[] y, int yOffset) {
    byte[] q = w.values();
    float[] scales = w.scales();
    int in = w.columns();
    int whole = in - in % 32;
    for (int r = rowFrom; r < rowTo; r++) {
      int base = r * in;
      FloatVector s0 = FloatVector.zero(F8);
      FloatVector s1 = FloatVector.zero(F8);
      FloatVector s2 = FloatVector.zero(F8);
      FloatVector s3 = FloatVector.zero(F8);
      for (int c = 0; c < whole; c += 32) {
        s0 = widen8(q, base + c).fma(FloatVector.fromArray(F8, x, c), s0);
        s1 = widen8(q, base + c + 8).fma(FloatVector.fromArray(F8, x, c + 8), s1);
        s2 = widen8(q, base + c + 16).fma(FloatVector.fromArray(F8, x, c + 16), s2);
        s3 = widen8(q, base + c + 24).fma(FloatVector.fromArray(F8, x, c + 24), s3);
      }
      y[yOffset + r - rowFrom] = tail(q, base, whole, in, x, s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD))
          * scales[r];
    }
  }
}
