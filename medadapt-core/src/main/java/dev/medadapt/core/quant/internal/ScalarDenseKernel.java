package dev.medadapt.core.quant.internal;

import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/** {@link DenseKernel} in plain Java (four partial sums, which the JIT keeps in registers). Not API. */
public final class ScalarDenseKernel implements DenseKernel {
  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += a[aOffset + i] * b[bOffset + i];
      s1 += a[aOffset + i + 1] * b[bOffset + i + 1];
      s2 += a[aOffset + i + 2] * b[bOffset + i + 2];
      s3 += a[aOffset + i + 3] * b[bOffset + i + 3];
    }
    for (; i < n; i++) {
      s0 += a[aOffset + i] * b[bOffset + i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  @Override
  public void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
    for (int i = 0; i < n; i++) {
      y[yOffset + i] += alpha * x[xOffset + i];
    }
  }

  @Override
  public void bf16Rows(ShortBuffer w, int cols, int rowFrom, int rowTo, float[][] x, float[] y, int yOffset,
      int yStride) {
    short[] row = new short[cols];
    for (int r = rowFrom; r < rowTo; r++) {
      w.get(r * cols, row, 0, cols);
      for (int m = 0; m < x.length; m++) {
        float[] xm = x[m];
        float s0 = 0;
        float s1 = 0;
        int c = 0;
        for (; c + 2 <= cols; c += 2) {
          s0 += Float.intBitsToFloat(row[c] << 16) * xm[c];
          s1 += Float.intBitsToFloat(row[c + 1] << 16) * xm[c + 1];
        }
        for (; c < cols; c++) {
          s0 += Float.intBitsToFloat(row[c] << 16) * xm[c];
        }
        y[yOffset + m * yStride + r - rowFrom] = s0 + s1;
      }
    }
  }

  @Override
  public void f16Rows(ShortBuffer w, int cols, int rowFrom, int rowTo, float[][] x, float[] y, int yOffset,
      int yStride) {
    short[] row = new short[cols];
    rowsTimesInputs(cols, rowFrom, rowTo, x, y, yOffset, yStride, (r, into) -> {
      w.get(r * cols, row, 0, cols);
      for (int c = 0; c < cols; c++) {
        into[c] = Float16.toFloat(row[c]);
      }
    });
  }

  @Override
  public void f32Rows(FloatBuffer w, int cols, int rowFrom, int rowTo, float[][] x, float[] y, int yOffset,
      int yStride) {
    rowsTimesInputs(cols, rowFrom, rowTo, x, y, yOffset, yStride, (r, into) -> w.get(r * cols, into, 0, cols));
  }

  /** Each row of {@code [rowFrom, rowTo)} loaded once, then multiplied by every input. */
  private void rowsTimesInputs(int cols, int rowFrom, int rowTo, float[][] x, float[] y, int yOffset, int yStride,
      RowLoader loader) {
    float[] row = new float[cols];
    for (int r = rowFrom; r < rowTo; r++) {
      loader.load(r, row);
      for (int m = 0; m < x.length; m++) {
        y[yOffset + m * yStride + r - rowFrom] = dot(row, 0, x[m], 0, cols);
      }
    }
  }
}
