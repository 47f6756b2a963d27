package dev.medadapt.core.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Int8MatMulTest {
  @ParameterizedTest(name = "[{0} x {1}], {2} input rows")
  // 70 x 4096 and 150 x 4096 with more than four inputs: several tiles of 16 weight rows (64 KB), the last partial.
  @CsvSource({"1, 32, 1", "70, 1536, 1", "130, 100, 3", "257, 64, 8", "9, 7, 2", "33, 100, 6", "65, 200, 17",
      "70, 4096, 6", "150, 4096, 9"})
  void bothKernelsGiveTheProductOfTheDequantizedWeights(int out, int in, int rows) {
    Random rnd = new Random(out * 31L + in);
    float[] w = new float[out * in];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextGaussian();
    }
    Int8Tensor q = Int8Tensor.quantize(w, out, in);
    float[] x = new float[rows * in];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    float[] chosen = new float[rows * out];
    float[] scalar = new float[rows * out];
    Int8MatMul.multiply(q, x, rows, chosen);
    Int8MatMul.multiplyScalar(q, x, rows, scalar);
    for (int m = 0; m < rows; m++) {
      for (int r = 0; r < out; r++) {
        double exact = 0;
        double magnitude = 0;
        for (int c = 0; c < in; c++) {
          double term = (double) q.get(r, c) * x[m * in + c];
          exact += term;
          magnitude += Math.abs(term);
        }
        // Float32 sums in another order: within a few units of rounding of the terms' magnitude.
        double tol = 1e-6 * magnitude + 1e-12;
        assertThat((double) chosen[m * out + r]).as("%s kernel, row %d, out %d", Int8MatMul.kernelName(), m, r)
            .isCloseTo(exact, org.assertj.core.data.Offset.offset(tol));
        assertThat((double) scalar[m * out + r]).isCloseTo(exact, org.assertj.core.data.Offset.offset(tol));
      }
    }
  }

  @ParameterizedTest(name = "x of {0} floats")
  @CsvSource({"63", "130"})
  void mismatchedShapesAreNamed(int xLength) {
    Int8Tensor q = Int8Tensor.quantize(new float[4 * 64], 4, 64);
    assertThatThrownBy(() -> Int8MatMul.multiply(q, new float[xLength], 2, new float[8]))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("rows * 64");
  }
}
