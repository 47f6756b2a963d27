package dev.medadapt.core.safetensors.internal;

/**
 * IEEE 754 binary16 and bfloat16 conversions for Java 17 (which lacks {@code Float.float16ToFloat}).
 * Not API.
 */
public final class HalfFloats {
  private HalfFloats() {}

  /** bfloat16 is the upper 16 bits of a float32, so widening is exact. */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  /** Rounds to nearest even, as PyTorch's {@code tensor.to(torch.bfloat16)} does; NaN stays NaN. */
  public static short floatToBf16(float f) {
    int x = Float.floatToRawIntBits(f);
    if ((x & 0x7fffffff) > 0x7f800000) {
      return (short) ((x >>> 16) | 0x40); // quiet NaN
    }
    int rounding = 0x7fff + ((x >>> 16) & 1);
    return (short) ((x + rounding) >>> 16);
  }

  /** Exact widening of an IEEE binary16 value. */
  public static float f16ToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      // subnormal: mant * 2^-24
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** Rounds a float to the nearest IEEE binary16 (ties to even); overflow gives infinity. */
  public static short floatToF16(float f) {
    int x = Float.floatToRawIntBits(f);
    int sign = (x >>> 16) & 0x8000;
    int absBits = x & 0x7fffffff;
    if (absBits >= 0x7f800000) { // inf or NaN
      return (short) (sign | 0x7c00 | (absBits > 0x7f800000 ? 0x200 : 0));
    }
    if (absBits >= 0x477ff000) { // >= 65520 rounds to infinity
      return (short) (sign | 0x7c00);
    }
    int exp = (absBits >>> 23) - 127;
    if (exp < -14) { // subnormal or zero in f16
      if (exp < -25) {
        return (short) sign;
      }
      int mant = (absBits & 0x7fffff) | 0x800000;
      int shift = -exp - 1; // 24-bit mantissa down to units of 2^-24: shift = 13 + (-14 - exp)
      shift = 13 + (-14 - exp);
      int q = mant >>> shift;
      int rem = mant & ((1 << shift) - 1);
      int half = 1 << (shift - 1);
      if (rem > half || (rem == half && (q & 1) == 1)) {
        q++;
      }
      return (short) (sign | q);
    }
    int mant = absBits & 0x7fffff;
    int q = ((exp + 15) << 10) | (mant >>> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (q & 1) == 1)) {
      q++; // may carry into the exponent, which is the correct rounding
    }
    return (short) (sign | q);
  }
}
