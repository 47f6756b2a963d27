package dev.medadapt.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.medadapt.core.llm.GenerationOptions;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
  private static final float[] LOGITS = {2.0f, 1.0f, 0.5f, -1.0f, 3.0f};

  @Test
  void greedyIsArgmaxAndTopK1IsGreedy() {
    assertThat(new Sampler(GenerationOptions.greedy(1)).next(LOGITS, 0, 5, new SplittableRandom(1))).isEqualTo(4);
    Sampler k1 = new Sampler(GenerationOptions.builder().temperature(5).topK(1).build());
    for (int i = 0; i < 50; i++) {
      assertThat(k1.next(LOGITS, 0, 5, new SplittableRandom(i))).isEqualTo(4);
    }
  }

  @Test
  void frequenciesFollowTheTemperatureSoftmax() {
    long seed = 424242L;
    double temp = 0.7;
    Sampler s = new Sampler(GenerationOptions.builder().temperature(temp).seed(seed).build());
    SplittableRandom rng = new SplittableRandom(seed);
    int n = 200_000;
    int[] counts = new int[5];
    for (int i = 0; i < n; i++) {
      counts[s.next(LOGITS, 0, 5, rng)]++;
    }
    double z = 0;
    for (float l : LOGITS) {
      z += Math.exp(l / temp);
    }
    for (int j = 0; j < 5; j++) {
      double p = Math.exp(LOGITS[j] / temp) / z;
      // 5 standard errors of a binomial proportion: fails by chance with probability < 1e-6.
      assertThat((double) counts[j] / n).as("token %d (seed %d)", j, seed)
          .isCloseTo(p, within(5 * Math.sqrt(p * (1 - p) / n) + 1e-9));
    }
  }

  @Test
  void topPKeepsTheSmallestNucleus() {
    // Softmax of LOGITS at T=1: token 4 has 0.61, token 0 0.22; top_p 0.7 keeps exactly {4, 0}.
    Sampler s = new Sampler(GenerationOptions.builder().temperature(1).topP(0.7).build());
    SplittableRandom rng = new SplittableRandom(3);
    boolean saw0 = false;
    boolean saw4 = false;
    for (int i = 0; i < 2000; i++) {
      int t = s.next(LOGITS, 0, 5, rng);
      assertThat(t).isIn(0, 4);
      saw0 |= t == 0;
      saw4 |= t == 4;
    }
    assertThat(saw0 && saw4).isTrue();
  }

  @Test
  void offsetSelectsTheRow() {
    float[] two = new float[10];
    System.arraycopy(LOGITS, 0, two, 5, 5);
    assertThat(Sampler.argmax(two, 5, 5)).isEqualTo(4);
  }
}
