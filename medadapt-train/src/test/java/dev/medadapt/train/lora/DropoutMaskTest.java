package dev.medadapt.train.lora;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.train.DeterministicRandom;
import org.junit.jupiter.api.Test;

/** The geometric-gap sampler behind LoRA dropout draws independent Bernoulli(p) drops. */
class DropoutMaskTest {

  @Test
  void dropRateAndPairRateMatchIndependentBernoulli() {
    for (double p : new double[] {0.05, 0.1, 0.5}) {
      int n = 2_000_000;
      long[] d = LoraModel.droppedPositions(new DeterministicRandom(12345), n, p);
      double sigma = Math.sqrt(n * p * (1 - p));
      assertThat((double) d.length).as("drops at p=" + p).isBetween(n * p - 5 * sigma, n * p + 5 * sigma);
      long adjacent = 0;
      for (int i = 1; i < d.length; i++) {
        assertThat(d[i]).isGreaterThan(d[i - 1]);
        if (d[i] == d[i - 1] + 1) {
          adjacent++;
        }
      }
      assertThat(d[0]).isGreaterThanOrEqualTo(0);
      assertThat(d[d.length - 1]).isLessThan(n);
      // Independence: a dropped position is followed by another drop with probability p.
      double pairSigma = Math.sqrt(d.length * p * (1 - p));
      assertThat((double) adjacent).as("adjacent drops at p=" + p)
          .isBetween(d.length * p - 5 * pairSigma, d.length * p + 5 * pairSigma);
    }
  }

  @Test
  void sameStreamSameMaskAndTinyInputs() {
    long[] a = LoraModel.droppedPositions(DeterministicRandom.derive(4242, 3, 1, 77), 100_000, 0.05);
    long[] b = LoraModel.droppedPositions(DeterministicRandom.derive(4242, 3, 1, 77), 100_000, 0.05);
    long[] c = LoraModel.droppedPositions(DeterministicRandom.derive(4242, 3, 2, 77), 100_000, 0.05);
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
    for (long i : LoraModel.droppedPositions(new DeterministicRandom(1), 3, 0.9)) {
      assertThat(i).isBetween(0L, 2L);
    }
  }
}
