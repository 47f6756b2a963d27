package dev.medadapt.core.quant.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bfloat16 and float16 products of both kernels (the JVM's choice and plain Java) against float64 references. */
class DenseKernelTest {
  /**
   * Widths below, between and above the vector steps (8 and 16 lanes, two chains), input counts with and without a
   * group of four, and a row range that starts inside the matrix.
   */
  @ParameterizedTest(name = "cols {0}, inputs {1}")
  @CsvSource({"24, 1", "24, 4", "72, 3", "72, 6", "1536, 5", "7, 2", "40, 16"})
  void bf16RowsEqualTheFloat64ProductOfTheWidenedWeights(int cols, int inputs) {
    int rows = 21;
    SplittableRandom rnd = new SplittableRandom(cols * 31L + inputs);
    // Some leading bytes before row 0's, so that a row's offset is not a multiple of the vector width.
    int lead = 6;
    ByteBuffer w = ByteBuffer.allocateDirect(lead + 2 * rows * cols).order(ByteOrder.LITTLE_ENDIAN);
    float[] widened = new float[rows * cols];
    for (int i = 0; i < rows * cols; i++) {
      short bits = (short) (Float.floatToRawIntBits((float) rnd.nextGaussian()) >>> 16);
      w.putShort(lead + 2 * i, bits);
      widened[i] = Float.intBitsToFloat(bits << 16);
    }
    ShortBuffer rowsAt = w.position(lead).slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
    float[][] x = randomInputs(rnd, inputs, cols);
    int from = 3;
    int to = rows;
    for (DenseKernel k : new DenseKernel[] {DenseKernel.get(), new ScalarDenseKernel()}) {
      int stride = to - from + 2;
      float[] y = new float[1 + inputs * stride];
      k.bf16Rows(rowsAt, cols, from, to, x, y, 1, stride);
      assertProducts(k.name(), widened, x, cols, from, to, y, 1, stride);
    }
  }

  @ParameterizedTest(name = "cols {0}, inputs {1}")
  @CsvSource({"24, 1", "24, 4", "72, 3", "72, 9", "1536, 5", "7, 2", "40, 16"})
  void f16RowsEqualTheFloat64ProductOfTheWidenedWeights(int cols, int inputs) {
    int rows = 21;
    SplittableRandom rnd = new SplittableRandom(cols * 37L + inputs);
    int lead = 6;
    ByteBuffer w = ByteBuffer.allocateDirect(lead + 2 * rows * cols).order(ByteOrder.LITTLE_ENDIAN);
    float[] widened = new float[rows * cols];
    for (int i = 0; i < rows * cols; i++) {
      // float16 normals and, one in eight, subnormals and zeros
      float v = (float) rnd.nextGaussian() * (rnd.nextInt(8) == 0 ? 0x1p-16f : 1f);
      short bits = Float16.fromFloat(v);
      w.putShort(lead + 2 * i, bits);
      widened[i] = Float16.toFloat(bits);
    }
    ShortBuffer rowsAt = w.position(lead).slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
    float[][] x = randomInputs(rnd, inputs, cols);
    int from = 3;
    int to = rows;
    for (DenseKernel k : new DenseKernel[] {DenseKernel.get(), new ScalarDenseKernel()}) {
      int stride = to - from + 2;
      float[] y = new float[1 + inputs * stride];
      k.f16Rows(rowsAt, cols, from, to, x, y, 1, stride);
      assertProducts(k.name(), widened, x, cols, from, to, y, 1, stride);
    }
  }

  /**
   * Every finite float16 value is widened exactly (unit inputs pick each weight out of its row), and an infinity or
   * NaN in a row makes that row's sum infinite or NaN, in both kernels.
   */
  @org.junit.jupiter.api.Test
  void f16RowsWidenEveryFloat16Exactly() {
    int cols = 1024;
    int rows = 64;
    ByteBuffer w = ByteBuffer.allocateDirect(2 * rows * cols).order(ByteOrder.nativeOrder());
    for (int i = 0; i < rows * cols; i++) {
      w.putShort(2 * i, (short) i);
    }
    ShortBuffer bits = w.asShortBuffer();
    float[][] unit = new float[cols][cols];
    for (int c = 0; c < cols; c++) {
      unit[c][c] = 1;
    }
    for (DenseKernel k : new DenseKernel[] {DenseKernel.get(), new ScalarDenseKernel()}) {
      float[] y = new float[cols * rows];
      k.f16Rows(bits, cols, 0, rows, unit, y, 0, rows);
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          short h = (short) (r * cols + c);
          float expected = Float16.toFloat(h);
          boolean rowHasNonFinite = (r & 0x1f) == 0x1f; // exponent field all ones: the whole row is inf or NaN
          float got = y[c * rows + r];
          if (rowHasNonFinite) {
            assertThat(Float.isNaN(got) || Float.isInfinite(got)).as("%s bits %04x", k.name(), h & 0xffff).isTrue();
          } else {
            assertThat(Float.floatToRawIntBits(got) == Float.floatToRawIntBits(expected)
                || (got == 0 && expected == 0)).as("%s bits %04x: %s vs %s", k.name(), h & 0xffff, got, expected)
                .isTrue();
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "cols {0}, inputs {1}")
  @CsvSource({"24, 1", "72, 4", "72, 9", "1536, 5", "7, 2", "40, 16"})
  void f32RowsEqualTheFloat64Product(int cols, int inputs) {
    int rows = 23; // rows [4, 23): four tiles of four, one pair and one row left over
    SplittableRandom rnd = new SplittableRandom(cols * 41L + inputs);
    ByteBuffer w = ByteBuffer.allocateDirect(4 * rows * cols).order(ByteOrder.nativeOrder());
    float[] values = new float[rows * cols];
    for (int i = 0; i < rows * cols; i++) {
      values[i] = (float) rnd.nextGaussian();
      w.putFloat(4 * i, values[i]);
    }
    float[][] x = randomInputs(rnd, inputs, cols);
    int from = 4;
    int to = rows;
    for (DenseKernel k : new DenseKernel[] {DenseKernel.get(), new ScalarDenseKernel()}) {
      int stride = to - from + 2;
      float[] y = new float[inputs * stride];
      k.f32Rows(w.asFloatBuffer(), cols, from, to, x, y, 0, stride);
      assertProducts(k.name(), values, x, cols, from, to, y, 0, stride);
    }
  }

  private static float[][] randomInputs(SplittableRandom rnd, int inputs, int cols) {
    float[][] x = new float[inputs][cols];
    for (float[] xm : x) {
      for (int c = 0; c < cols; c++) {
        xm[c] = (float) rnd.nextGaussian();
      }
    }
    return x;
  }

  /**
   * Each input's products with rows {@code [from, to)} of {@code w} ({@code cols} wide, as float32) against float64
   * sums, read at {@code y[yOffset + m * stride + r - from]}; the two slots after each input's rows and the slots before
   * {@code yOffset} are untouched.
   */
  private static void assertProducts(String kernel, float[] w, float[][] x, int cols, int from, int to, float[] y,
      int yOffset, int stride) {
    for (int m = 0; m < x.length; m++) {
      for (int r = from; r < to; r++) {
        double ref = 0;
        double scale = 0;
        for (int c = 0; c < cols; c++) {
          ref += (double) w[r * cols + c] * x[m][c];
          scale += Math.abs((double) w[r * cols + c] * x[m][c]);
        }
        assertThat(y[yOffset + m * stride + r - from]).as("%s input %d row %d", kernel, m, r)
            .isCloseTo((float) ref, org.assertj.core.data.Offset.offset((float) (1e-6 * scale + 1e-30)));
      }
      assertThat(y[yOffset + m * stride + to - from]).isZero();
      assertThat(y[yOffset + m * stride + to - from + 1]).isZero();
    }
    for (int i = 0; i < yOffset; i++) {
      assertThat(y[i]).isZero();
    }
  }
}
