package dev.medadapt.core.quant.internal;

import java.nio.ByteBuffer;

/**
 * IEEE 754 binary16 conversions in Java, bit-exact with PyTorch's casts: float32 to float16 rounds to nearest, ties to
 * even (overflow to infinity, float16 subnormals kept, NaN stays NaN), float16 to float32 is exact. They let a float16
 * product take its input from and return its output to Java arrays without two cast operations per product, and the
 * float16 kernels ({@link DenseKernel#f16Rows}) widen weights exactly. Not API.
 */
public final class Float16 {
  private Float16() {}

  /** {@code f} rounded to the nearest float16, ties to even, as its bits. */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int abs = bits & 0x7fffffff;
    if (abs >= 0x7f800000) {
      return (short) (sign | (abs > 0x7f800000 ? 0x7e00 : 0x7c00)); // NaN: PyTorch's canonical quiet NaN
    }
    if (abs >= 0x477ff000) { // 65520: halfway between 65504 (the largest float16) and 65536, rounds to infinity
      return (short) (sign | 0x7c00);
    }
    if (abs < 0x38800000) { // below 2^-14: a float16 subnormal (or zero), in units of 2^-24, rounded to even
      return (short) (sign | (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24f));
    }
    int e = abs - ((127 - 15) << 23);
    e += 0xfff + ((e >>> 13) & 1);
    return (short) (sign | (e >>> 13));
  }

  /** The float32 value of float16 bits {@code h} (exact). */
  public static float toFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int abs = bits & 0x7fff;
    if (abs >= 0x7c00) { // infinity, or NaN made quiet with its payload kept, as PyTorch widens them
      return Float.intBitsToFloat(sign | 0x7f800000 | (abs > 0x7c00 ? 0x400000 : 0) | ((abs & 0x3ff) << 13));
    }
    // The exponent field moved into float32's low exponent bits, then scaled by 2^(127 - 15): exact, subnormals too.
    return Float.intBitsToFloat(sign | Float.floatToRawIntBits(Float.intBitsToFloat(abs << 13) * 0x1p112f));
  }

  /** {@code f} rounded to the nearest float16 value, as float32 (what a cast to float16 and back gives). */
  public static float round(float f) {
    return toFloat(fromFloat(f));
  }

  /** {@code n} floats of {@code x} from {@code offset} as float16 into {@code out} (native byte order) from its start. */
  public static void fromFloats(float[] x, int offset, int n, ByteBuffer out) {
    for (int i = 0; i < n; i++) {
      out.putShort(2 * i, fromFloat(x[offset + i]));
    }
  }

  /** {@code n} float16 values of {@code in} (its byte order) from its start into {@code y} from {@code offset}. */
  public static void toFloats(ByteBuffer in, float[] y, int offset, int n) {
    for (int i = 0; i < n; i++) {
      y[offset + i] = toFloat(in.getShort(2 * i));
    }
  }
}
