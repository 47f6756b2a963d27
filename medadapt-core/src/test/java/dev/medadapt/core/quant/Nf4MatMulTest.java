package dev.medadapt.core.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.testing.TestResources;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fused NF4 product against dequantize-then-multiply (a float64 dot product of the dequantized weight),
 * for the kernel this JVM chose (the Vector API one under surefire, which adds jdk.incubator.vector) and the
 * plain Java one, on layouts the vector kernel takes and ones it hands to the scalar loop.
 */
class Nf4MatMulTest {
  private static final long SEED = new SplittableRandom().nextLong();

  /**
   * Float32 rounding bound for a dot product of {@code n} terms, relative to the sum of their magnitudes:
   * each partial sum is rounded once (2^-24 each), and blocked sums have far fewer than n rounding steps in
   * a chain, so 8 * 2^-24 * sqrt(n) is generous for random signs and still tight enough to catch a wrong
   * code, scale or element order (those are off by whole terms).
   */
  private static double tolerance(int n) {
    return 8 * Math.ulp(1f) / 2 * Math.sqrt(n);
  }

  @Test
  void equalsDequantizeThenMultiplyForBothKernels() {
    System.out.println("Nf4MatMulTest seed " + SEED + ", kernel " + Nf4MatMul.kernelName());
    SplittableRandom r = new SplittableRandom(SEED);
    // [out, in, blockSize, rows]: decoder shapes (vector path), block 128, and layouts the vector kernel
    // refuses (blocks straddling rows, in not a multiple of 128, odd element counts); 5 to 8 input rows take the
    // four-row pass; 100 x 4096 with 6 inputs runs over several 64 KB tiles of 32 weight rows, the last partial.
    int[][] cases = {{300, 1536, 64, 1}, {70, 1024, 64, 3}, {40, 384, 128, 2}, {9, 100, 64, 2}, {7, 33, 64, 1},
        {130, 640, 64, 1}, {3, 2048, 256, 1}, {90, 512, 64, 6}, {66, 256, 128, 8}, {5, 100, 64, 5},
        {100, 4096, 64, 6}};
    for (int[] c : cases) {
      for (boolean dq : new boolean[] {false, true}) {
        int out = c[0];
        int in = c[1];
        int rows = c[3];
        Nf4Codec codec = Nf4Codec.builder().blockSize(c[2]).doubleQuant(dq).build();
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
          // Varying magnitudes per row so that a wrong block scale shows.
          w[i] = (float) (r.nextGaussian() * 0.02 * (1 + (i / in) % 5));
        }
        Nf4Tensor q = codec.quantize(w, out, in);
        float[] deq = new float[out * in];
        codec.dequantize(q, deq);
        float[] x = new float[rows * in];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) r.nextGaussian();
        }
        float[] fused = new float[rows * out];
        float[] scalar = new float[rows * out];
        Nf4MatMul.multiply(q, x, rows, fused);
        Nf4MatMul.multiplyScalar(q, x, rows, scalar);
        for (int m = 0; m < rows; m++) {
          for (int o = 0; o < out; o++) {
            double dot = 0;
            double mag = 0;
            for (int i = 0; i < in; i++) {
              double t = (double) deq[o * in + i] * x[m * in + i];
              dot += t;
              mag += Math.abs(t);
            }
            double tol = tolerance(in) * mag;
            String where = String.format("case %s dq=%s row %d out %d (seed %d)", Arrays.toString(c), dq, m, o, SEED);
            assertThat((double) fused[m * out + o]).as(where).isCloseTo(dot, org.assertj.core.data.Offset.offset(tol));
            assertThat((double) scalar[m * out + o]).as(where).isCloseTo(dot, org.assertj.core.data.Offset.offset(tol));
          }
        }
      }
    }
  }

  /**
   * bitsandbytes' own codes and absmax (testdata/quant/nf4_reference.json, from make_nf4_reference.py) read
   * as a [37, 1024] weight, multiplied with the codebook of bitsandbytes' {@code _NF4_QUANT_TABLE} written
   * out here (not this package's copy): the product a bitsandbytes-quantized checkpoint must give.
   */
  @Test
  void multipliesBitsandbytesCodesWithBitsandbytesCodebook() throws Exception {
    double[] nf4 = {-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
        -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
        0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
        0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0};
    JsonNode ref = new ObjectMapper().readTree(TestResources.testdata("quant/nf4_reference.json").toFile());
    int out = 37;
    int in = 1024;
    byte[] packed = Arrays.copyOf(HexFormat.of().parseHex(ref.get("packed_hex").asText()), out * in / 2);
    int blocks = out * in / 64;
    float[] absmax = new float[blocks];
    for (int b = 0; b < blocks; b++) {
      absmax[b] = Float.intBitsToFloat(ref.get("absmax_bits").get(b).asInt());
    }
    Nf4Tensor w = new Nf4Tensor(packed, absmax, null, new int[] {out, in}, 64);
    SplittableRandom r = new SplittableRandom(SEED);
    float[] x = new float[in];
    for (int i = 0; i < in; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] y = new float[out];
    Nf4Matmuls.both(w, x, y, (name, got) -> {
      for (int o = 0; o < out; o++) {
        double dot = 0;
        double mag = 0;
        for (int i = 0; i < in; i++) {
          int e = o * in + i;
          int code = (e & 1) == 0 ? (packed[e >>> 1] >>> 4) & 0x0f : packed[e >>> 1] & 0x0f;
          // bitsandbytes dequantizes in float32: code value times absmax, rounded once.
          double t = (double) ((float) nf4[code] * absmax[e / 64]) * x[i];
          dot += t;
          mag += Math.abs(t);
        }
        assertThat((double) got[o]).as("%s row %d (seed %d)", name, o, SEED)
            .isCloseTo(dot, org.assertj.core.data.Offset.offset(tolerance(in) * mag));
      }
    });
  }

  @Test
  void vectorKernelRunsWhenTheJvmHasTheModule() {
    assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
        "the JVM was started without --add-modules jdk.incubator.vector");
    assumeTrue("amd64".equals(System.getProperty("os.arch")), "vector widths checked on x86-64 (AVX2 or AVX-512) only");
    assertThat(Nf4MatMul.kernelName()).startsWith("vector");
    // The build's second run of the kernel tests caps vectors at 256 bits (-XX:MaxVectorSize=32): it must take the
    // 256-bit paths, whatever the CPU prefers.
    String bits = System.getProperty("medadapt.test.vectorBits");
    if (bits != null) {
      assertThat(Nf4MatMul.kernelName()).isEqualTo("vector " + bits + "-bit");
      assertThat(dev.medadapt.core.quant.internal.DenseKernel.get().name()).isEqualTo("vector " + bits + "-bit");
    }
  }

  @Test
  void refusesShapesThatDoNotFit() {
    Nf4Tensor w = Nf4Codec.builder().build().quantize(new float[4 * 64], 4, 64);
    assertThatThrownBy(() -> Nf4MatMul.multiply(w, new float[63], 1, new float[4]))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("x must hold rows * 64 floats");
    assertThatThrownBy(() -> Nf4MatMul.multiply(w, new float[128], 2, new float[7]))
        .isInstanceOf(ConfigurationException.class).hasMessage("y must hold 8 floats, was 7");
    Nf4Tensor flat = Nf4Codec.builder().build().quantize(new float[64], 64);
    assertThatThrownBy(() -> Nf4MatMul.multiply(flat, new float[64], 1, new float[1]))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("w must be 2-D");
  }

  /** Runs the chosen and the scalar kernel on the same input. */
  private static final class Nf4Matmuls {
    interface Check {
      void accept(String kernel, float[] y);
    }

    static void both(Nf4Tensor w, float[] x, float[] y, Check check) {
      Nf4MatMul.multiply(w, x, 1, y);
      check.accept(Nf4MatMul.kernelName(), y.clone());
      Nf4MatMul.multiplyScalar(w, x, 1, y);
      check.accept("scalar", y.clone());
    }
  }
}
