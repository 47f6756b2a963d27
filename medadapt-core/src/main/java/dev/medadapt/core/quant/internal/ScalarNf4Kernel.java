package dev.medadapt.core.quant.internal;

import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.quant.Nf4Tensor;

/**
 * The fused NF4 product in plain Java: per absmax block, {@code scale * sum_i x_i * codebook[code_i]}, one
 * packed byte (two codes, the first element in the high nibble) at a time. Works for every layout (blocks
 * may straddle rows); the fallback when the Vector API is absent. Not API.
 */
public final class ScalarNf4Kernel implements Nf4Kernel {
  private static final float[] CODEBOOK = Nf4Codec.codebook();

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public boolean supports(Nf4Tensor w) {
    return true;
  }

  @Override
  public float[] prepare(float[] x) {
    return x;
  }

  @Override
  public void rows(Nf4Tensor w, float[] scales, int scaleBase, float[] x, int rowFrom, int rowTo, float[] y, int yOffset) {
    int in = w.shape()[1];
    int bs = w.blockSize();
    byte[] packed = w.packed();
    for (int r = rowFrom; r < rowTo; r++) {
      long base = (long) r * in;
      int i = (int) base;
      int end = i + in;
      float acc = 0f;
      int c = 0;
      while (i < end) {
        int b = i / bs;
        int blockEnd = Math.min(end, (b + 1) * bs);
        float s = 0f;
        if ((i & 1) == 1) {
          s += x[c++] * CODEBOOK[packed[i >>> 1] & 0x0f];
          i++;
        }
        for (; i + 1 < blockEnd; i += 2, c += 2) {
          int v = packed[i >>> 1];
          s += x[c] * CODEBOOK[(v >>> 4) & 0x0f] + x[c + 1] * CODEBOOK[v & 0x0f];
        }
        if (i < blockEnd) {
          s += x[c++] * CODEBOOK[(packed[i >>> 1] >>> 4) & 0x0f];
          i++;
        }
        acc += s * scales[b - scaleBase];
      }
      y[yOffset + r - rowFrom] = acc;
    }
  }
}
