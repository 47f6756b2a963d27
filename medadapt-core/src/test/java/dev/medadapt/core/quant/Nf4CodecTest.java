package dev.medadapt.core.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Nf4CodecTest {
  private static final long SEED = 20260425L;
  private final Nf4Codec plain = Nf4Codec.builder().build();
  private final Nf4Codec dq = Nf4Codec.builder().doubleQuant(true).build();

  private static float[] gaussian(int n, double sigma, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      // Box-Muller from the passed-in generator
      double u1 = r.nextDouble(Double.MIN_VALUE, 1.0);
      double u2 = r.nextDouble();
      v[i] = (float) (sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
    return v;
  }

  @Test
  void codebookIsBitsandbytesTable() {
    float[] c = Nf4Codec.codebook();
    assertThat(c).hasSize(16);
    assertThat(c[0]).isEqualTo(-1.0f);
    assertThat(c[7]).isEqualTo(0.0f);
    assertThat(c[15]).isEqualTo(1.0f);
    assertThat(c[8]).isEqualTo(0.07958029955625534f);
    for (int i = 0; i < 15; i++) {
      assertThat(c[i]).isLessThan(c[i + 1]);
    }
    // Widest gap is between -1 and -0.6961928.
    assertThat(Nf4Codec.maxHalfGap()).isCloseTo((1.0 - 0.6961928009986877) / 2, org.assertj.core.data.Offset.offset(1e-7));
  }

  @Test
  void exactCodesAndNibbleOrderForHandMadeInput() {
    // Block of 4 (absmax 2): scaled values -1, 0.5, 0, 1 -> codes 0, 12 (0.4407 is nearer to 0.5 than 0.5626), 7, 15.
    // Plus an odd tail block [0.03] -> scaled 1 -> code 15, padded with 7.
    Nf4Codec small = Nf4Codec.builder().blockSize(4).build();
    Nf4Tensor t = small.quantize(new float[] {-2f, 1f, 0f, 2f, 0.03f}, 5);
    assertThat(t.absmax()).containsExactly(2f, 0.03f);
    assertThat(t.packed()).containsExactly((byte) 0x0C, (byte) 0x7F, (byte) 0xF7);
    float[] out = new float[5];
    small.dequantize(t, out);
    assertThat(out).containsExactly(-2f, 0.44070982933044434f * 2f, 0f, 2f, 0.03f);
  }

  @Test
  void tiesGoToTheLowerCodeAndZeroBlocksDecodeToZero() {
    float[] c = Nf4Codec.codebook();
    for (int i = 0; i < 15; i++) {
      float mid = (float) (((double) c[i] + c[i + 1]) / 2);
      assertThat(Nf4Codec.encode(mid)).as("midpoint %d", i).isEqualTo(i);
      assertThat(Nf4Codec.encode(Math.nextUp(mid))).isEqualTo(i + 1);
      assertThat(Nf4Codec.encode(c[i])).isEqualTo(i);
    }
    assertThat(Nf4Codec.encode(-5f)).isZero();
    assertThat(Nf4Codec.encode(5f)).isEqualTo(15);
    Nf4Tensor zeros = plain.quantize(new float[128], 2, 64);
    float[] out = new float[128];
    Arrays.fill(out, 9f);
    plain.dequantize(zeros, out);
    for (float v : out) {
      assertThat(v).isEqualTo(0f);
    }
  }

  @Test
  void fastEncoderEqualsCountingThresholds() {
    SplittableRandom r = new SplittableRandom(SEED);
    float[] c = Nf4Codec.codebook();
    for (int k = 0; k < 2_000_000; k++) {
      float x = (float) (r.nextDouble() * 2.2 - 1.1);
      assertThat(Nf4Codec.encode(x)).as("x=%s (seed %d)", x, SEED).isEqualTo(Nf4Codec.encodeByCounting(x));
    }
    for (int i = 0; i < 15; i++) {
      float mid = (float) (((double) c[i] + c[i + 1]) / 2);
      for (float x = Math.nextDown(Math.nextDown(mid)); x <= Math.nextUp(Math.nextUp(mid)); x = Math.nextUp(x)) {
        assertThat(Nf4Codec.encode(x)).isEqualTo(Nf4Codec.encodeByCounting(x));
      }
    }
    assertThat(Nf4Codec.encode(Float.NaN)).isZero();
    assertThat(Nf4Codec.encode(-1f)).isZero();
    assertThat(Nf4Codec.encode(1f)).isEqualTo(15);
  }

  @Test
  void roundTripErrorWithinTheNf4Bound() {
    float[] w = gaussian(64 * 300 + 17, 0.02, SEED);
    Nf4Tensor t = plain.quantize(w, w.length);
    float[] out = new float[w.length];
    plain.dequantize(t, out);
    double bound = Nf4Codec.maxHalfGap();
    double sumSq = 0;
    for (int b = 0; b < t.blocks(); b++) {
      float absmax = t.absmax()[b];
      for (int i = b * 64; i < Math.min(w.length, (b + 1) * 64); i++) {
        double err = Math.abs(out[i] - w[i]);
        assertThat(err).as("element %d (seed %d)", i, SEED).isLessThanOrEqualTo(absmax * bound * (1 + 1e-6) + 1e-12);
        sumSq += err * err;
      }
      // The block's largest magnitude is reproduced exactly (code +-1).
    }
    double rmse = Math.sqrt(sumSq / w.length);
    // NF4 on N(0, sigma): relative RMSE about 0.1 sigma (QLoRA); far below the 0.14*absmax worst case.
    assertThat(rmse / 0.02).isLessThan(0.15);
    assertThat(t.sizeInBytes()).isEqualTo((w.length + 1) / 2 + 4L * t.blocks());
  }

  @Test
  void sliceDequantizationEqualsFullDequantization() {
    float[] w = gaussian(64 * 10 + 3, 1.0, SEED + 1);
    Nf4Tensor t = dq.quantize(w, w.length);
    float[] full = new float[w.length];
    dq.dequantize(t, full);
    SplittableRandom r = new SplittableRandom(SEED);
    for (int trial = 0; trial < 200; trial++) {
      int start = r.nextInt(w.length);
      int count = r.nextInt(w.length - start + 1);
      float[] part = new float[count + 5];
      dq.dequantize(t, start, count, part, 5);
      assertThat(Arrays.copyOfRange(part, 5, 5 + count))
          .as("start %d count %d", start, count)
          .containsExactly(Arrays.copyOfRange(full, start, start + count));
    }
  }

  @Test
  void doubleQuantRoundTrip() {
    // Scales vary across blocks like real layers (sigma grows with the row).
    int rows = 96;
    int cols = 640;
    float[] w = new float[rows * cols];
    float[] g = gaussian(w.length, 1.0, SEED + 2);
    for (int i = 0; i < w.length; i++) {
      w[i] = g[i] * (0.01f + 0.001f * (i / cols));
    }
    Nf4Tensor single = plain.quantize(w, rows, cols);
    Nf4Tensor dbl = dq.quantize(w, rows, cols);
    assertThat(dbl.absmax()).isNull();
    assertThat(dbl.doubleQuant().codes()).hasSize(single.blocks());
    assertThat(dbl.doubleQuant().nestedAbsmax()).hasSize((single.blocks() + 255) / 256);
    assertThat(dbl.packed()).isEqualTo(single.packed()); // codes depend only on the float32 absmax
    float[] exact = single.absmax();
    float[] approx = Nf4Codec.absmaxValues(dbl);
    double mean = 0;
    for (float a : exact) {
      mean += a;
    }
    mean /= exact.length;
    assertThat(dbl.doubleQuant().offset()).isCloseTo((float) mean, org.assertj.core.data.Offset.offset(1e-6f));
    float[] map = Nf4Codec.dynamicMapTable();
    double maxGap = 0;
    for (int i = 0; i + 1 < map.length; i++) {
      maxGap = Math.max(maxGap, map[i + 1] - map[i]);
    }
    for (int b = 0; b < exact.length; b++) {
      float nested = dbl.doubleQuant().nestedAbsmax()[b / 256];
      assertThat((double) Math.abs(approx[b] - exact[b]))
          .as("block %d", b)
          .isLessThanOrEqualTo(nested * maxGap / 2 * (1 + 1e-5) + 1e-9);
    }
    // Storage: 1 byte per block + a float per 256 blocks instead of 4 bytes per block.
    assertThat(dbl.sizeInBytes()).isLessThan(single.sizeInBytes() - 2L * single.blocks());
    float[] out = new float[w.length];
    dq.dequantize(dbl, out);
    for (int i = 0; i < w.length; i++) {
      float a = approx[i / 64];
      assertThat((double) Math.abs(out[i] - Nf4Codec.codebook()[code(dbl, i)] * a)).isZero();
    }
  }

  private static int code(Nf4Tensor t, int i) {
    int v = t.packed()[i >>> 1];
    return (i & 1) == 0 ? (v >>> 4) & 0x0f : v & 0x0f;
  }

  @Test
  void dynamicMapMatchesBitsandbytesStructure() {
    float[] m = Nf4Codec.dynamicMapTable();
    assertThat(m).hasSize(256);
    for (int i = 0; i + 1 < m.length; i++) {
      assertThat(m[i]).isLessThan(m[i + 1]);
    }
    assertThat(m[255]).isEqualTo(1.0f);
    // Largest magnitude below 1: midpoint of the last interval of linspace(0.1, 1, 65) = 1 - 0.9/128.
    assertThat(m[0]).isEqualTo(-0.99296875f);
    // 127 negative values, 0, 127 positive values below 1, and 1.
    assertThat(m[127]).isEqualTo(0f);
    // smallest magnitudes: 1e-6 * 0.55 (single midpoint of linspace(0.1, 1, 2))
    assertThat((double) m[128]).isCloseTo(0.55e-6, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(m[126]).isEqualTo(-m[128]);
    assertThat(Nf4Codec.nearestDynamic(1.0f)).isEqualTo(255);
    assertThat(Nf4Codec.nearestDynamic(0f)).isEqualTo(Arrays.binarySearch(m, 0f));
  }

  @Test
  void badInputIsRejected() {
    assertThatThrownBy(() -> plain.quantize(new float[10], 3, 4))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("shape [3, 4] needs 12");
    assertThatThrownBy(() -> plain.quantize(new float[] {1f, Float.NaN}, 2))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("values[1]");
    assertThatThrownBy(() -> Nf4Codec.builder().blockSize(0).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("blockSize must be in [2, 4096], was 0");
    Nf4Tensor t = plain.quantize(new float[64], 64);
    assertThatThrownBy(() -> plain.dequantize(t, new float[63]))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("out has 63 elements");
  }
}
