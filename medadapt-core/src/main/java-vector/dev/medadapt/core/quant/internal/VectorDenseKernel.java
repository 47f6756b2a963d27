package dev.medadapt.core.quant.internal;

import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
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
  private static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;
  private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
  private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
  private static final VectorSpecies<Short> S8 = ShortVector.SPECIES_128;

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

  // The bfloat16 product. Each path names its species as constants (JDK 17's C2 intrinsifies only those), and each row
  // is a call of its own: a method called once per row is compiled after the first few thousand rows, where one loop
  // over all rows of a vocabulary-sized matrix would run its first calls in the interpreter, a hundred times slower.
  // A row is copied from the buffer into an array first: the Vector API's loads from a ByteBuffer (JDK 17) and from
  // a MemorySegment (JDK 19+) share no method, and loads from an array exist on every JDK.

  @Override
  public void bf16Rows(ShortBuffer w, int cols, int rowFrom, int rowTo, float[][] x, float[] y, int yOffset,
      int yStride) {
    short[] row = new short[cols];
    if (x.length > 4) {
      // A batch: each row widened once into an array in cache, then every input (the float16 product's pass).
      rowsTimesInputs(cols, rowFrom, rowTo, x, y, yOffset, yStride, (r, into) -> {
        w.get(r * cols, row, 0, cols);
        widenBf16(row, into, cols);
      });
      return;
    }
    int m = 0;
    for (; m + 4 <= x.length; m += 4) {
      float[] x0 = x[m];
      float[] x1 = x[m + 1];
      float[] x2 = x[m + 2];
      float[] x3 = x[m + 3];
      for (int r = rowFrom; r < rowTo; r++) {
        w.get(r * cols, row, 0, cols);
        int o = yOffset + m * yStride + r - rowFrom;
        if (L == 16) {
          bf16Row4x16(row, cols, x0, x1, x2, x3, y, o, yStride);
        } else {
          bf16Row4x8(row, cols, x0, x1, x2, x3, y, o, yStride);
        }
      }
    }
    for (; m < x.length; m++) {
      float[] xm = x[m];
      for (int r = rowFrom; r < rowTo; r++) {
        w.get(r * cols, row, 0, cols);
        y[yOffset + m * yStride + r - rowFrom] = L == 16 ? bf16Row16(row, cols, xm) : bf16Row8(row, cols, xm);
      }
    }
  }

  private static void widenBf16(short[] h, float[] out, int cols) {
    int c = 0;
    if (L == 16) {
      for (; c + 16 <= cols; c += 16) {
        widen16(h, c).intoArray(out, c);
      }
    } else {
      for (; c + 8 <= cols; c += 8) {
        widen8(h, c).intoArray(out, c);
      }
    }
    for (; c < cols; c++) {
      out[c] = Float.intBitsToFloat(h[c] << 16);
    }
  }

  private static FloatVector widen16(short[] w, int offset) {
    return ((IntVector) ShortVector.fromArray(S16, w, offset).convertShape(VectorOperators.S2I, I16, 0))
        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
  }

  private static FloatVector widen8(short[] w, int offset) {
    return ((IntVector) ShortVector.fromArray(S8, w, offset).convertShape(VectorOperators.S2I, I8, 0))
        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
  }

  /** {@code sum} plus the columns {@code [from, cols)} of {@code row}, in plain Java. */
  private static float bf16Tail(short[] row, int from, int cols, float[] x, float sum) {
    for (int c = from; c < cols; c++) {
      sum += Float.intBitsToFloat(row[c] << 16) * x[c];
    }
    return sum;
  }

  /** Four inputs' sums of one row completed by the columns {@code [whole, cols)} and stored {@code yStride} apart. */
  private static void bf16Finish4(short[] row, int whole, int cols, float[] x0, float[] x1, float[] x2, float[] x3,
      float s0, float s1, float s2, float s3, float[] y, int o, int yStride) {
    y[o] = bf16Tail(row, whole, cols, x0, s0);
    y[o + yStride] = bf16Tail(row, whole, cols, x1, s1);
    y[o + 2 * yStride] = bf16Tail(row, whole, cols, x2, s2);
    y[o + 3 * yStride] = bf16Tail(row, whole, cols, x3, s3);
  }

  private static float bf16Row16(short[] row, int cols, float[] x) {
    int whole = cols - cols % 32;
    FloatVector a0 = FloatVector.zero(F16);
    FloatVector a1 = FloatVector.zero(F16);
    for (int c = 0; c < whole; c += 32) {
      a0 = widen16(row, c).fma(FloatVector.fromArray(F16, x, c), a0);
      a1 = widen16(row, c + 16).fma(FloatVector.fromArray(F16, x, c + 16), a1);
    }
    return bf16Tail(row, whole, cols, x, a0.add(a1).reduceLanes(VectorOperators.ADD));
  }

  private static float bf16Row8(short[] row, int cols, float[] x) {
    int whole = cols - cols % 16;
    FloatVector a0 = FloatVector.zero(F8);
    FloatVector a1 = FloatVector.zero(F8);
    for (int c = 0; c < whole; c += 16) {
      a0 = widen8(row, c).fma(FloatVector.fromArray(F8, x, c), a0);
      a1 = widen8(row, c + 8).fma(FloatVector.fromArray(F8, x, c + 8), a1);
    }
    return bf16Tail(row, whole, cols, x, a0.add(a1).reduceLanes(VectorOperators.ADD));
  }

  private static void bf16Row4x16(short[] row, int cols, float[] x0, float[] x1, float[] x2, float[] x3, float[] y,
      int o, int yStride) {
    int whole = cols - cols % 16;
    FloatVector a0 = FloatVector.zero(F16);
    FloatVector a1 = FloatVector.zero(F16);
    FloatVector a2 = FloatVector.zero(F16);
    FloatVector a3 = FloatVector.zero(F16);
    for (int c = 0; c < whole; c += 16) {
      FloatVector wv = widen16(row, c);
      a0 = wv.fma(FloatVector.fromArray(F16, x0, c), a0);
      a1 = wv.fma(FloatVector.fromArray(F16, x1, c), a1);
      a2 = wv.fma(FloatVector.fromArray(F16, x2, c), a2);
      a3 = wv.fma(FloatVector.fromArray(F16, x3, c), a3);
    }
    bf16Finish4(row, whole, cols, x0, x1, x2, x3, a0.reduceLanes(VectorOperators.ADD),
        a1.reduceLanes(VectorOperators.ADD), a2.reduceLanes(VectorOperators.ADD), a3.reduceLanes(VectorOperators.ADD),
        y, o, yStride);
  }

  private static void bf16Row4x8(short[] row, int cols, float[] x0, float[] x1, float[] x2, float[] x3, float[] y,
      int o, int yStride) {
    int whole = cols - cols % 8;
    FloatVector a0 = FloatVector.zero(F8);
    FloatVector a1 = FloatVector.zero(F8);
    FloatVector a2 = FloatVector.zero(F8);
    FloatVector a3 = FloatVector.zero(F8);
    for (int c = 0; c < whole; c += 8) {
      FloatVector wv = widen8(row, c);
      a0 = wv.fma(FloatVector.fromArray(F8, x0, c), a0);
      a1 = wv.fma(FloatVector.fromArray(F8, x1, c), a1);
      a2 = wv.fma(FloatVector.fromArray(F8, x2, c), a2);
      a3 = wv.fma(FloatVector.fromArray(F8, x3, c), a3);
    }
    bf16Finish4(row, whole, cols, x0, x1, x2, x3, a0.reduceLanes(VectorOperators.ADD),
        a1.reduceLanes(VectorOperators.ADD), a2.reduceLanes(VectorOperators.ADD), a3.reduceLanes(VectorOperators.ADD),
        y, o, yStride);
  }

  // The float16 and float32 products of several inputs: a row is loaded (float16 widened exactly) once into an array,
  // then every input is multiplied by it.

  @Override
  public void f16Rows(ShortBuffer w, int cols, int rowFrom, int rowTo, float[][] x, float[] y, int yOffset,
      int yStride) {
    short[] row = new short[cols];
    rowsTimesInputs(cols, rowFrom, rowTo, x, y, yOffset, yStride, (r, into) -> {
      w.get(r * cols, row, 0, cols);
      widenF16(row, into, cols);
    });
  }

  @Override
  public void f32Rows(FloatBuffer w, int cols, int rowFrom, int rowTo, float[][] x, float[] y, int yOffset,
      int yStride) {
    rowsTimesInputs(cols, rowFrom, rowTo, x, y, yOffset, yStride, (r, into) -> w.get(r * cols, into, 0, cols));
  }

  /**
   * The products of rows {@code [rowFrom, rowTo)}, each loaded once into an array that stays in cache, with every input.
   * With 16 lanes, four rows at a time against four inputs: sixteen sums per pass, so each loaded vector serves four
   * multiply-adds (two rows at a time ran 1.3x slower at 16 inputs); with 8 lanes (16 vector registers on AVX2) two
   * rows at a time, eight sums per pass. Rows and inputs left over go one row and one input at a time.
   */
  private void rowsTimesInputs(int cols, int rowFrom, int rowTo, float[][] x, float[] y, int yOffset,
      int yStride, RowLoader loader) {
    float[] w0 = new float[cols];
    float[] w1 = new float[cols];
    int r = rowFrom;
    if (L == 16 && x.length >= 4) {
      float[] w2 = new float[cols];
      float[] w3 = new float[cols];
      for (; r + 4 <= rowTo; r += 4) {
        int o = yOffset + r - rowFrom;
        loader.load(r, w0);
        loader.load(r + 1, w1);
        loader.load(r + 2, w2);
        loader.load(r + 3, w3);
        int m = 0;
        for (; m + 4 <= x.length; m += 4) {
          dot4x4x16(w0, w1, w2, w3, cols, x[m], x[m + 1], x[m + 2], x[m + 3], y, o + m * yStride, yStride);
        }
        for (; m < x.length; m++) {
          y[o + m * yStride] = dot(w0, 0, x[m], 0, cols);
          y[o + m * yStride + 1] = dot(w1, 0, x[m], 0, cols);
          y[o + m * yStride + 2] = dot(w2, 0, x[m], 0, cols);
          y[o + m * yStride + 3] = dot(w3, 0, x[m], 0, cols);
        }
      }
    }
    for (; L == 8 && r + 2 <= rowTo; r += 2) {
      int o = yOffset + r - rowFrom;
      loader.load(r, w0);
      loader.load(r + 1, w1);
      int m = 0;
      for (; m + 4 <= x.length; m += 4) {
        dot2x4x8(w0, w1, cols, x[m], x[m + 1], x[m + 2], x[m + 3], y, o + m * yStride, yStride);
      }
      for (; m < x.length; m++) {
        y[o + m * yStride] = dot(w0, 0, x[m], 0, cols);
        y[o + m * yStride + 1] = dot(w1, 0, x[m], 0, cols);
      }
    }
    for (; r < rowTo; r++) {
      int o = yOffset + r - rowFrom;
      loader.load(r, w0);
      for (int m = 0; m < x.length; m++) {
        y[o + m * yStride] = dot(w0, 0, x[m], 0, cols);
      }
    }
  }

  private static void widenF16(short[] h, float[] out, int cols) {
    if (L == 16) {
      widenHalves16(h, out, cols);
    } else {
      widenHalves8(h, out, cols);
    }
  }

  // bits << 13 moves a float16's exponent and mantissa into float32's low bits; the sign-extended lane has its sign
  // in bit 31 and ones in bits 28-30, which the mask clears. Scaling by 2^112 then rebiases the exponent, exactly for
  // normals and subnormals. An infinity or NaN (exponent all ones) would come out finite, so the largest magnitude of
  // the row is tracked and a row holding one is widened again in plain Java.

  private static final int HALF_MASK = 0x8fffe000;

  private static void widenHalves16(short[] h, float[] out, int cols) {
    int whole = cols - cols % 16;
    IntVector largest = IntVector.zero(I16);
    for (int c = 0; c < whole; c += 16) {
      IntVector bits = (IntVector) ShortVector.fromArray(S16, h, c).convertShape(VectorOperators.S2I, I16, 0);
      IntVector shifted = bits.lanewise(VectorOperators.LSHL, 13).and(HALF_MASK);
      largest = largest.max(shifted.and(0x0fffe000));
      shifted.reinterpretAsFloats().mul(0x1p112f).intoArray(out, c);
    }
    if (whole > 0 && largest.reduceLanes(VectorOperators.MAX) >= 0x7c00 << 13) {
      widenHalves(h, out, 0, whole);
    }
    widenHalves(h, out, whole, cols);
  }

  private static void widenHalves8(short[] h, float[] out, int cols) {
    int whole = cols - cols % 8;
    IntVector largest = IntVector.zero(I8);
    for (int c = 0; c < whole; c += 8) {
      IntVector bits = (IntVector) ShortVector.fromArray(S8, h, c).convertShape(VectorOperators.S2I, I8, 0);
      IntVector shifted = bits.lanewise(VectorOperators.LSHL, 13).and(HALF_MASK);
      largest = largest.max(shifted.and(0x0fffe000));
      shifted.reinterpretAsFloats().mul(0x1p112f).intoArray(out, c);
    }
    if (whole > 0 && largest.reduceLanes(VectorOperators.MAX) >= 0x7c00 << 13) {
      widenHalves(h, out, 0, whole);
    }
    widenHalves(h, out, whole, cols);
  }

  private static void widenHalves(short[] h, float[] out, int from, int to) {
    for (int c = from; c < to; c++) {
      out[c] = Float16.toFloat(h[c]);
    }
  }

  /**
   * Four widened rows' products with four inputs (16 lanes), sixteen sums per pass: row {@code w}'s sums stored
   * {@code yStride} apart from {@code o}, row {@code u}'s from {@code o + 1}, and so on.
   */
  private static void dot4x4x16(float[] w, float[] u, float[] v, float[] t, int cols, float[] x0, float[] x1,
      float[] x2, float[] x3, float[] y, int o, int yStride) {
    int whole = cols - cols % 16;
    FloatVector a0 = FloatVector.zero(F16);
    FloatVector a1 = FloatVector.zero(F16);
    FloatVector a2 = FloatVector.zero(F16);
    FloatVector a3 = FloatVector.zero(F16);
    FloatVector b0 = FloatVector.zero(F16);
    FloatVector b1 = FloatVector.zero(F16);
    FloatVector b2 = FloatVector.zero(F16);
    FloatVector b3 = FloatVector.zero(F16);
    FloatVector c0 = FloatVector.zero(F16);
    FloatVector c1 = FloatVector.zero(F16);
    FloatVector c2 = FloatVector.zero(F16);
    FloatVector c3 = FloatVector.zero(F16);
    FloatVector d0 = FloatVector.zero(F16);
    FloatVector d1 = FloatVector.zero(F16);
    FloatVector d2 = FloatVector.zero(F16);
    FloatVector d3 = FloatVector.zero(F16);
    for (int c = 0; c < whole; c += 16) {
      FloatVector wv = FloatVector.fromArray(F16, w, c);
      FloatVector uv = FloatVector.fromArray(F16, u, c);
      FloatVector vv = FloatVector.fromArray(F16, v, c);
      FloatVector tv = FloatVector.fromArray(F16, t, c);
      FloatVector xv = FloatVector.fromArray(F16, x0, c);
      a0 = wv.fma(xv, a0);
      b0 = uv.fma(xv, b0);
      c0 = vv.fma(xv, c0);
      d0 = tv.fma(xv, d0);
      xv = FloatVector.fromArray(F16, x1, c);
      a1 = wv.fma(xv, a1);
      b1 = uv.fma(xv, b1);
      c1 = vv.fma(xv, c1);
      d1 = tv.fma(xv, d1);
      xv = FloatVector.fromArray(F16, x2, c);
      a2 = wv.fma(xv, a2);
      b2 = uv.fma(xv, b2);
      c2 = vv.fma(xv, c2);
      d2 = tv.fma(xv, d2);
      xv = FloatVector.fromArray(F16, x3, c);
      a3 = wv.fma(xv, a3);
      b3 = uv.fma(xv, b3);
      c3 = vv.fma(xv, c3);
      d3 = tv.fma(xv, d3);
    }
    dot4Finish(w, whole, cols, x0, x1, x2, x3, a0.reduceLanes(VectorOperators.ADD),
        a1.reduceLanes(VectorOperators.ADD), a2.reduceLanes(VectorOperators.ADD), a3.reduceLanes(VectorOperators.ADD),
        y, o, yStride);
    dot4Finish(u, whole, cols, x0, x1, x2, x3, b0.reduceLanes(VectorOperators.ADD),
        b1.reduceLanes(VectorOperators.ADD), b2.reduceLanes(VectorOperators.ADD), b3.reduceLanes(VectorOperators.ADD),
        y, o + 1, yStride);
    dot4Finish(v, whole, cols, x0, x1, x2, x3, c0.reduceLanes(VectorOperators.ADD),
        c1.reduceLanes(VectorOperators.ADD), c2.reduceLanes(VectorOperators.ADD), c3.reduceLanes(VectorOperators.ADD),
        y, o + 2, yStride);
    dot4Finish(t, whole, cols, x0, x1, x2, x3, d0.reduceLanes(VectorOperators.ADD),
        d1.reduceLanes(VectorOperators.ADD), d2.reduceLanes(VectorOperators.ADD), d3.reduceLanes(VectorOperators.ADD),
        y, o + 3, yStride);
  }

  /**
   * Two widened rows' products with four inputs (8 lanes): row {@code w}'s sums stored {@code yStride} apart from
   * {@code o}, row {@code v}'s from {@code o + 1}.
   */
  private static void dot2x4x8(float[] w, float[] v, int cols, float[] x0, float[] x1, float[] x2, float[] x3,
      float[] y, int o, int yStride) {
    int whole = cols - cols % 8;
    FloatVector a0 = FloatVector.zero(F8);
    FloatVector a1 = FloatVector.zero(F8);
    FloatVector a2 = FloatVector.zero(F8);
    FloatVector a3 = FloatVector.zero(F8);
    FloatVector b0 = FloatVector.zero(F8);
    FloatVector b1 = FloatVector.zero(F8);
    FloatVector b2 = FloatVector.zero(F8);
    FloatVector b3 = FloatVector.zero(F8);
    for (int c = 0; c < whole; c += 8) {
      FloatVector wv = FloatVector.fromArray(F8, w, c);
      FloatVector vv = FloatVector.fromArray(F8, v, c);
      FloatVector xv = FloatVector.fromArray(F8, x0, c);
      a0 = wv.fma(xv, a0);
      b0 = vv.fma(xv, b0);
      xv = FloatVector.fromArray(F8, x1, c);
      a1 = wv.fma(xv, a1);
      b1 = vv.fma(xv, b1);
      xv = FloatVector.fromArray(F8, x2, c);
      a2 = wv.fma(xv, a2);
      b2 = vv.fma(xv, b2);
      xv = FloatVector.fromArray(F8, x3, c);
      a3 = wv.fma(xv, a3);
      b3 = vv.fma(xv, b3);
    }
    dot4Finish(w, whole, cols, x0, x1, x2, x3, a0.reduceLanes(VectorOperators.ADD),
        a1.reduceLanes(VectorOperators.ADD), a2.reduceLanes(VectorOperators.ADD), a3.reduceLanes(VectorOperators.ADD),
        y, o, yStride);
    dot4Finish(v, whole, cols, x0, x1, x2, x3, b0.reduceLanes(VectorOperators.ADD),
        b1.reduceLanes(VectorOperators.ADD), b2.reduceLanes(VectorOperators.ADD), b3.reduceLanes(VectorOperators.ADD),
        y, o + 1, yStride);
  }

  /** Four sums completed by the columns {@code [whole, cols)} and stored {@code yStride} apart. */
  private static void dot4Finish(float[] w, int whole, int cols, float[] x0, float[] x1, float[] x2, float[] x3,
      float s0, float s1, float s2, float s3, float[] y, int o, int yStride) {
    for (int c = whole; c < cols; c++) {
      s0 += w[c] * x0[c];
      s1 += w[c] * x1[c];
      s2 += w[c] * x2[c];
      s3 += w[c] * x3[c];
    }
    y[o] = s0;
    y[o + yStride] = s1;
    y[o + 2 * yStride] = s2;
    y[o + 3 * yStride] = s3;
  }
}
