package dev.medadapt.core.quant;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.testing.TestResources;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Bit-exact agreement with a numpy transcription of bitsandbytes' default (pure torch) backend:
 * testdata/quant/make_nf4_reference.py (argmin over the codebook, not this class's threshold
 * tables) on a 38,403-element tensor with varying block scales, an all-zero block and an odd tail.
 */
class Nf4ReferenceTest {

  @Test
  void matchesBitsandbytesDefaultBackendBitForBit() throws Exception {
    JsonNode ref = new ObjectMapper().readTree(TestResources.testdata("quant/nf4_reference.json").toFile());
    int n = ref.get("n").asInt();
    float[] w = input(n, ref.get("seed").asLong(), ref.get("zero_block").asInt());
    for (int i = 0; i < 8; i++) {
      assertThat(Float.floatToRawIntBits(w[i])).isEqualTo(ref.get("input_bits_first_8").get(i).asInt());
    }

    Nf4Tensor plain = Nf4Codec.builder().build().quantize(w, n);
    assertThat(HexFormat.of().formatHex(plain.packed())).isEqualTo(ref.get("packed_hex").asText());
    assertThat(bits(plain.absmax())).containsExactly(ints(ref.get("absmax_bits")));

    assertThat(bits(Nf4Codec.dynamicMapTable())).containsExactly(ints(ref.get("dynamic_map_bits")));

    Nf4Tensor dq = Nf4Codec.builder().doubleQuant(true).build().quantize(w, n);
    assertThat(dq.packed()).isEqualTo(plain.packed());
    assertThat(Float.floatToRawIntBits(dq.doubleQuant().offset())).isEqualTo(ref.get("dq_offset_bits").asInt());
    assertThat(bits(dq.doubleQuant().nestedAbsmax())).containsExactly(ints(ref.get("dq_absmax_bits")));
    assertThat(HexFormat.of().formatHex(dq.doubleQuant().codes())).isEqualTo(ref.get("dq_codes_hex").asText());
  }

  /** The generator of make_nf4_reference.py: a 64-bit LCG, exact double arithmetic, then float. */
  static float[] input(int n, long seed, int zeroBlock) {
    float[] out = new float[n];
    long state = seed;
    for (int k = 0; k < n; k++) {
      state = state * 6364136223846793005L + 1442695040888963407L;
      long u = state >>> 40;
      double v = (u - (1L << 23)) / (double) (1L << 23);
      double scale = 0.01 * (1 + ((k / 64) % 7));
      out[k] = (float) (v * v * v * scale);
    }
    for (int k = zeroBlock * 64; k < (zeroBlock + 1) * 64; k++) {
      out[k] = 0f;
    }
    return out;
  }

  private static int[] bits(float[] a) {
    int[] b = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = Float.floatToRawIntBits(a[i]);
    }
    return b;
  }

  private static int[] ints(JsonNode arr) {
    int[] out = new int[arr.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = arr.get(i).asInt();
    }
    return out;
  }
}
