package dev.medadapt.core.quant.internal;

import dev.medadapt.core.quant.Int8Tensor;

/** The plain Java 8-bit product: the reference for the vector kernel and the fallback without it. Not API. */
public final class ScalarInt8Kernel implements Int8Kernel {
  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public void rows(Int8Tensor w, float[] x, int rowFrom, int rowTo, float[] y, int yOffset) {
    byte[] q = w.values();
    float[] scales = w.scales();
    int in = w.columns();
    for (int r = rowFrom; r < rowTo; r++) {
      int base = r * in;
      float s0 = 0;
      float s1 = 0;
      float s2 = 0;
      float s3 = 0;
      int c = 0;
      for (; c + 4 <= in; c += 4) {
        s0 += q[base + c] * x[c];
        s1 += q[base + c + 1] * x[c + 1];
        s2 += q[base + c + 2] * x[c + 2];
        s3 += q[base + c + 3] * x[c + 3];
      }
      for (; c < in; c++) {
        s0 += q[base + c] * x[c];
      }
      y[yOffset + r - rowFrom] = ((s0 + s1) + (s2 + s3)) * scales[r];
    }
  }
}
