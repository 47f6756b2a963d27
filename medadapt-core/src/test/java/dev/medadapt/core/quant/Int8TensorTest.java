package dev.medadapt.core.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.safetensors.internal.HalfFloats;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Int8TensorTest {
  private static float[] gaussian(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextGaussian() * 0.05);
    }
    return v;
  }

  @Test
  void eachWeightIsWithinHalfAStepOfItsRowsScaleAndTheRowMaximumIsExact() {
    int rows = 37;
    int cols = 101;
    float[] w = gaussian(rows * cols, 1);
    Int8Tensor q = Int8Tensor.quantize(w, rows, cols);
    for (int r = 0; r < rows; r++) {
      float max = 0;
      for (int c = 0; c < cols; c++) {
        max = Math.max(max, Math.abs(w[r * cols + c]));
      }
      assertThat(q.scales()[r]).isEqualTo(max / 127f);
      boolean sawFull = false;
      for (int c = 0; c < cols; c++) {
        byte code = q.values()[r * cols + c];
        assertThat((int) code).isBetween(-127, 127);
        sawFull |= Math.abs(code) == 127;
        assertThat(Math.abs(q.get(r, c) - w[r * cols + c])).isLessThanOrEqualTo(q.scales()[r] * 0.5f * (1 + 1e-6f));
      }
      assertThat(sawFull).as("row %d uses the full range", r).isTrue();
    }
  }

  @Test
  void halfwayValuesRoundToEvenCodesAndZeroRowsStayZero() {
    // Row 0: max 127 gives scale 1, so 2.5 -> 2 and 3.5 -> 4 (ties to even), -2.5 -> -2. Row 1: all zero.
    float[] w = {127f, 2.5f, 3.5f, -2.5f, 0f, 0f, 0f, 0f};
    Int8Tensor q = Int8Tensor.quantize(w, 2, 4);
    assertThat(q.values()).containsExactly(127, 2, 4, -2, 0, 0, 0, 0);
    assertThat(q.scales()).containsExactly(1f, 0f);
  }

  @Test
  void dequantizationOfRowRangesAndHalvesRoundsEachProduct() {
    int rows = 9;
    int cols = 70;
    Int8Tensor q = Int8Tensor.quantize(gaussian(rows * cols, 2), rows, cols);
    float[] all = new float[rows * cols];
    q.dequantizeParallel(FloatBuffer.wrap(all));
    float[] part = new float[3 * cols];
    q.dequantizeParallel(4, 7, FloatBuffer.wrap(part));
    short[] half = new short[3 * cols];
    q.dequantizeHalfParallel(4, 7, ShortBuffer.wrap(half));
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        float v = q.values()[r * cols + c] * q.scales()[r];
        assertThat(all[r * cols + c]).isEqualTo(v);
        if (r >= 4 && r < 7) {
          assertThat(part[(r - 4) * cols + c]).isEqualTo(v);
          assertThat(half[(r - 4) * cols + c]).isEqualTo(HalfFloats.floatToF16(v));
        }
      }
    }
    assertThatThrownBy(() -> q.dequantizeParallel(4, 10, FloatBuffer.wrap(part)))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("[4, 10)");
    assertThatThrownBy(() -> q.dequantizeParallel(0, 4, FloatBuffer.wrap(part)))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("needs " + 4 * cols);
  }

  @Test
  void badInputNamesWhatIsWrong() {
    float[] w = gaussian(12, 3);
    w[7] = Float.NaN;
    assertThatThrownBy(() -> Int8Tensor.quantize(w, 3, 4))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("[1, 3]").hasMessageContaining("NaN");
    assertThatThrownBy(() -> Int8Tensor.quantize(new float[11], 3, 4))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("[3, 4]");
    assertThatThrownBy(() -> Int8Tensor.of(new byte[12], new float[2], 3, 4))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("one value per row (3)");
    assertThatThrownBy(() -> Int8Tensor.of(new byte[12], new float[] {1, -1, 1}, 3, 4))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("scales[1]");
  }
}
