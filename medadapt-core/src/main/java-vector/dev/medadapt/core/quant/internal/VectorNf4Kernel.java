package dev.medadapt.core.quant.internal;

import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.quant.Nf4Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fused NF4 product on the Vector API ({@code jdk.incubator.vector}), for 512-bit (16 float lanes) and
 * 256-bit (8 lanes) vectors.
 *
 * <p>One step loads {@code 4L} packed bytes as {@code L} int lanes: each lane holds 8 codes (4 bytes, two
 * nibbles each), so the step covers a chunk of {@code 8L} elements with a single load and no widening. Nibble
 * {@code j} (bits {@code 4j..4j+3}) of lane {@code l} is byte {@code 4l + j/2} of the chunk, in its high half
 * when {@code j} is odd (bitsandbytes packs the first element of a pair in the high nibble), so it is element
 * {@code 8l + 2(j/2) + (j odd ? 0 : 1)}. {@link #prepare} reorders the input once per call to that order, so
 * that nibble plane {@code j} meets its inputs in one contiguous vector. A plane's codes become float weights
 * with a lane permutation of the 16-entry codebook (one {@code vpermd} with 16 lanes; two and a blend with 8)
 * and go into an FMA; with 16 lanes the lower 8 lanes of a chunk belong to one 64-element absmax block and
 * the upper 8 to the next, so the chunk's sum is scaled by a two-valued vector.
 *
 * <p>Needs {@code in} to be a multiple of {@code 8L} and of the block size, and a block size of 64
 * (bitsandbytes' default) or a multiple of {@code 8L}; {@link dev.medadapt.core.quant.Nf4MatMul} falls back to
 * {@link ScalarNf4Kernel} otherwise. Compiled in its own source set with {@code --add-modules
 * jdk.incubator.vector} and loaded reflectively only when that module is in the boot layer. Not API.
 */
public final class VectorNf4Kernel implements Nf4Kernel {
  private static final int L = FloatVector.SPECIES_PREFERRED.length();
  // Each path names its species as constants: JDK 17's C2 only intrinsifies vector operations whose species
  // is a compile-time constant, which SPECIES_PREFERRED (chosen at run time) is not.
  private static final VectorSpecies<Float> F16 = FloatVector.SPECIES_512;
  private static final VectorSpecies<Integer> I16 = IntVector.SPECIES_512;
  private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_512;
  private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
  private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
  private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_256;
  /** Lanes 8..15: the second 64-element block of a 128-element chunk. */
  private static final VectorMask<Float> UPPER16 = VectorMask.fromLong(F16, 0xff00L);

  /**
   * The codebook as float bits: JDK 17's C2 compiles an int lane permutation driven by an {@code IntVector}'s
   * own shuffle to a {@code vpermd}, while a shuffle cast to float lanes stays in Java (~20x slower).
   */
  private static final int[] CODEBOOK_BITS = new int[16];

  static {
    float[] cb = Nf4Codec.codebook();
    for (int k = 0; k < 16; k++) {
      CODEBOOK_BITS[k] = Float.floatToRawIntBits(cb[k]);
    }
  }

  /** Whether this JVM's preferred vector shape is one this kernel implements (8 or 16 float lanes). */
  public static boolean usable() {
    return (L == 16 || L == 8) && IntVector.SPECIES_PREFERRED.length() == L;
  }

  @Override
  public String name() {
    return "vector " + (L * 32) + "-bit";
  }

  @Override
  public boolean resolvesDoubleQuant() {
    return true;
  }

  @Override
  public boolean supports(Nf4Tensor w) {
    int[] shape = w.shape();
    int chunk = 8 * L;
    int bs = w.blockSize();
    return shape.length == 2 && shape[1] % chunk == 0 && shape[1] % bs == 0
        && (bs % chunk == 0 || (bs == 64 && L == 16));
  }

  @Override
  public float[] prepare(float[] x) {
    int n = x.length;
    int chunk = 8 * L;
    float[] d = new float[n];
    for (int g = 0; g + chunk <= n; g += chunk) {
      for (int j = 0; j < 8; j++) {
        int pair = 2 * (j >>> 1) + ((j & 1) == 1 ? 0 : 1);
        for (int l = 0; l < L; l++) {
          d[g + j * L + l] = x[g + 8 * l + pair];
        }
      }
    }
    return d;
  }

  @Override
  public void rows(Nf4Tensor w, float[] scales, int scaleBase, float[] x, int rowFrom, int rowTo, float[] y, int yOffset) {
    if (L == 16) {
      rows16(w, scales, scaleBase, x, rowFrom, rowTo, y, yOffset);
    } else {
      rows8(w, scales, scaleBase, x, rowFrom, rowTo, y, yOffset);
    }
  }

  private static void rows16(Nf4Tensor w, float[] scales, int scaleBase, float[] x, int rowFrom, int rowTo,
      float[] y, int yOffset) {
    int in = w.shape()[1];
    int bs = w.blockSize();
    int blocksPerRow = in / bs;
    byte[] packed = w.packed();
    IntVector cb = IntVector.fromArray(I16, CODEBOOK_BITS, 0);
    boolean twoBlocks = bs == 64;
    // Double-quantized absmax without a resolved array: each block's scale is resolved where it is used.
    Nf4Tensor.DoubleQuant dq = scales == null ? w.doubleQuant() : null;
    for (int r = rowFrom; r < rowTo; r++) {
      FloatVector acc = FloatVector.zero(F16);
      int byteBase = (int) ((long) r * in / 2);
      int blockBase = r * blocksPerRow - scaleBase;
      for (int c = 0; c < in; c += 128) {
        IntVector v = ByteVector.fromArray(B16, packed, byteBase + (c >>> 1)).reinterpretAsInts();
        // Two chains of four, so that FMA latency does not bound the loop. (A loop, not unrolled by hand: the
        // unrolled body exceeds C2's inlining node budget and the vector calls stop being intrinsified.)
        FloatVector s0 = lookup16(cb, v.and(0x0f)).mul(FloatVector.fromArray(F16, x, c));
        FloatVector s1 = lookup16(cb, v.lanewise(VectorOperators.LSHR, 4).and(0x0f)).mul(FloatVector.fromArray(F16, x, c + 16));
        for (int j = 2; j < 8; j += 2) {
          s0 = lookup16(cb, v.lanewise(VectorOperators.LSHR, 4 * j).and(0x0f)).fma(FloatVector.fromArray(F16, x, c + 16 * j), s0);
          s1 = lookup16(cb, v.lanewise(VectorOperators.LSHR, 4 * j + 4).and(0x0f))
              .fma(FloatVector.fromArray(F16, x, c + 16 * j + 16), s1);
        }
        int b = blockBase + c / bs;
        FloatVector scale = FloatVector.broadcast(F16, scale(scales, dq, b));
        if (twoBlocks) {
          scale = scale.blend(FloatVector.broadcast(F16, scale(scales, dq, b + 1)), UPPER16);
        }
        acc = s0.add(s1).fma(scale, acc);
      }
      y[yOffset + r - rowFrom] = acc.reduceLanes(VectorOperators.ADD);
    }
  }

  @Override
  public void rows4(Nf4Tensor w, float[] scales, int scaleBase, float[][] x, int rowFrom, int rowTo, float[] y,
      int yOffset, int yStride) {
    if (L == 8) {
      rows8x4(w, scales, scaleBase, x, rowFrom, rowTo, y, yOffset, yStride);
    } else {
      rows16x4(w, scales, scaleBase, x, rowFrom, rowTo, y, yOffset, yStride);
    }
  }

  /** {@link #rows16} for four inputs: each looked-up weight vector feeds four multiply-adds. */
  private static void rows16x4(Nf4Tensor w, float[] scales, int scaleBase, float[][] xs, int rowFrom, int rowTo,
      float[] y, int yOffset, int yStride) {
    int in = w.shape()[1];
    int bs = w.blockSize();
    int blocksPerRow = in / bs;
    byte[] packed = w.packed();
    IntVector cb = IntVector.fromArray(I16, CODEBOOK_BITS, 0);
    boolean twoBlocks = bs == 64;
    Nf4Tensor.DoubleQuant dq = scales == null ? w.doubleQuant() : null;
    float[] x0 = xs[0];
    float[] x1 = xs[1];
    float[] x2 = xs[2];
    float[] x3 = xs[3];
    for (int r = rowFrom; r < rowTo; r++) {
      FloatVector a0 = FloatVector.zero(F16);
      FloatVector a1 = FloatVector.zero(F16);
      FloatVector a2 = FloatVector.zero(F16);
      FloatVector a3 = FloatVector.zero(F16);
      int byteBase = (int) ((long) r * in / 2);
      int blockBase = r * blocksPerRow - scaleBase;
      for (int c = 0; c < in; c += 128) {
        IntVector v = ByteVector.fromArray(B16, packed, byteBase + (c >>> 1)).reinterpretAsInts();
        FloatVector s0 = FloatVector.zero(F16);
        FloatVector s1 = FloatVector.zero(F16);
        FloatVector s2 = FloatVector.zero(F16);
        FloatVector s3 = FloatVector.zero(F16);
        for (int j = 0; j < 8; j++) {
          FloatVector wv = lookup16(cb, v.lanewise(VectorOperators.LSHR, 4 * j).and(0x0f));
          int o = c + 16 * j;
          s0 = wv.fma(FloatVector.fromArray(F16, x0, o), s0);
          s1 = wv.fma(FloatVector.fromArray(F16, x1, o), s1);
          s2 = wv.fma(FloatVector.fromArray(F16, x2, o), s2);
          s3 = wv.fma(FloatVector.fromArray(F16, x3, o), s3);
        }
        int b = blockBase + c / bs;
        FloatVector scale = FloatVector.broadcast(F16, scale(scales, dq, b));
        if (twoBlocks) {
          scale = scale.blend(FloatVector.broadcast(F16, scale(scales, dq, b + 1)), UPPER16);
        }
        a0 = s0.fma(scale, a0);
        a1 = s1.fma(scale, a1);
        a2 = s2.fma(scale, a2);
        a3 = s3.fma(scale, a3);
      }
      int o = yOffset + r - rowFrom;
      y[o] = a0.reduceLanes(VectorOperators.ADD);
      y[o + yStride] = a1.reduceLanes(VectorOperators.ADD);
      y[o + 2 * yStride] = a2.reduceLanes(VectorOperators.ADD);
      y[o + 3 * yStride] = a3.reduceLanes(VectorOperators.ADD);
    }
  }

  /** {@link #rows8} for four inputs: each looked-up weight vector feeds four multiply-adds. */
  private static void rows8x4(Nf4Tensor w, float[] scales, int scaleBase, float[][] xs, int rowFrom, int rowTo,
      float[] y, int yOffset, int yStride) {
    int in = w.shape()[1];
    int bs = w.blockSize();
    int blocksPerRow = in / bs;
    byte[] packed = w.packed();
    IntVector cbLow = IntVector.fromArray(I8, CODEBOOK_BITS, 0);
    IntVector cbHigh = IntVector.fromArray(I8, CODEBOOK_BITS, 8);
    Nf4Tensor.DoubleQuant dq = scales == null ? w.doubleQuant() : null;
    float[] x0 = xs[0];
    float[] x1 = xs[1];
    float[] x2 = xs[2];
    float[] x3 = xs[3];
    for (int r = rowFrom; r < rowTo; r++) {
      FloatVector a0 = FloatVector.zero(F8);
      FloatVector a1 = FloatVector.zero(F8);
      FloatVector a2 = FloatVector.zero(F8);
      FloatVector a3 = FloatVector.zero(F8);
      int byteBase = (int) ((long) r * in / 2);
      int blockBase = r * blocksPerRow - scaleBase;
      for (int c = 0; c < in; c += 64) {
        IntVector v = ByteVector.fromArray(B8, packed, byteBase + (c >>> 1)).reinterpretAsInts();
        FloatVector s0 = FloatVector.zero(F8);
        FloatVector s1 = FloatVector.zero(F8);
        FloatVector s2 = FloatVector.zero(F8);
        FloatVector s3 = FloatVector.zero(F8);
        for (int j = 0; j < 8; j++) {
          FloatVector wv = lookup8(cbLow, cbHigh, v, j);
          int o = c + 8 * j;
          s0 = wv.fma(FloatVector.fromArray(F8, x0, o), s0);
          s1 = wv.fma(FloatVector.fromArray(F8, x1, o), s1);
          s2 = wv.fma(FloatVector.fromArray(F8, x2, o), s2);
          s3 = wv.fma(FloatVector.fromArray(F8, x3, o), s3);
        }
        FloatVector scale = FloatVector.broadcast(F8, scale(scales, dq, blockBase + c / bs));
        a0 = s0.fma(scale, a0);
        a1 = s1.fma(scale, a1);
        a2 = s2.fma(scale, a2);
        a3 = s3.fma(scale, a3);
      }
      int o = yOffset + r - rowFrom;
      y[o] = a0.reduceLanes(VectorOperators.ADD);
      y[o + yStride] = a1.reduceLanes(VectorOperators.ADD);
      y[o + 2 * yStride] = a2.reduceLanes(VectorOperators.ADD);
      y[o + 3 * yStride] = a3.reduceLanes(VectorOperators.ADD);
    }
  }

  /** Block {@code b}'s scale: from {@code scales}, or resolved from {@code dq} when {@code scales} is null. */
  private static float scale(float[] scales, Nf4Tensor.DoubleQuant dq, int b) {
    return scales != null ? scales[b] : Nf4Codec.blockScale(dq, b);
  }

  private static FloatVector lookup16(IntVector cb, IntVector codes) {
    return cb.rearrange(codes.toShuffle()).reinterpretAsFloats();
  }

  private static void rows8(Nf4Tensor w, float[] scales, int scaleBase, float[] x, int rowFrom, int rowTo,
      float[] y, int yOffset) {
    int in = w.shape()[1];
    int bs = w.blockSize();
    int blocksPerRow = in / bs;
    byte[] packed = w.packed();
    IntVector cbLow = IntVector.fromArray(I8, CODEBOOK_BITS, 0);
    IntVector cbHigh = IntVector.fromArray(I8, CODEBOOK_BITS, 8);
    Nf4Tensor.DoubleQuant dq = scales == null ? w.doubleQuant() : null;
    for (int r = rowFrom; r < rowTo; r++) {
      FloatVector acc = FloatVector.zero(F8);
      int byteBase = (int) ((long) r * in / 2);
      int blockBase = r * blocksPerRow - scaleBase;
      for (int c = 0; c < in; c += 64) {
        IntVector v = ByteVector.fromArray(B8, packed, byteBase + (c >>> 1)).reinterpretAsInts();
        FloatVector s0 = lookup8(cbLow, cbHigh, v, 0).mul(FloatVector.fromArray(F8, x, c));
        FloatVector s1 = lookup8(cbLow, cbHigh, v, 1).mul(FloatVector.fromArray(F8, x, c + 8));
        for (int j = 2; j < 8; j += 2) {
          s0 = lookup8(cbLow, cbHigh, v, j).fma(FloatVector.fromArray(F8, x, c + 8 * j), s0);
          s1 = lookup8(cbLow, cbHigh, v, j + 1).fma(FloatVector.fromArray(F8, x, c + 8 * j + 8), s1);
        }
        acc = s0.add(s1).fma(FloatVector.broadcast(F8, scale(scales, dq, blockBase + c / bs)), acc);
      }
      y[yOffset + r - rowFrom] = acc.reduceLanes(VectorOperators.ADD);
    }
  }

  /**
   * codebook[k] for nibble {@code j} of each lane of {@code v}, with 8 lanes: both halves permuted by k mod 8, the
   * upper one where k >= 8, that is where the nibble's top bit, shifted to the sign bit, is set (one shift and a
   * signed compare instead of masking the nibble first: 7% faster on an AVX2 machine).
   */
  private static FloatVector lookup8(IntVector cbLow, IntVector cbHigh, IntVector v, int j) {
    VectorShuffle<Integer> s = v.lanewise(VectorOperators.LSHR, 4 * j).and(7).toShuffle();
    VectorMask<Integer> upper = v.lanewise(VectorOperators.LSHL, 28 - 4 * j).compare(VectorOperators.LT, 0);
    return cbLow.rearrange(s).blend(cbHigh.rearrange(s), upper).reinterpretAsFloats();
  }
}
