package dev.medadapt.eval.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.medadapt.core.ConfigurationException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BootstrapTest {

  private static boolean[] outcomes(int correct, int n) {
    boolean[] out = new boolean[n];
    for (int i = 0; i < correct; i++) {
      out[i] = true;
    }
    return out;
  }

  @Test
  void accuracyIntervalAgreesWithWilsonAt62Of200() {
    boolean[] c = outcomes(62, 200);
    Interval bs = new Bootstrap(20_000, 4242).accuracy(c, 0.95);
    Interval w = Proportions.wilson(62, 200, 0.95);
    assertThat(bs.estimate()).isEqualTo(0.31);
    // percentile bootstrap ~ p +- 1.96 sqrt(p(1-p)/n) = 0.31 +- 0.0641; resampling noise ~0.003
    assertThat(bs.low()).isCloseTo(w.low(), within(0.012));
    assertThat(bs.high()).isCloseTo(w.high(), within(0.012));
    // replicate accuracies are multiples of 1/200
    assertThat(bs.low() * 200).isCloseTo(Math.rint(bs.low() * 200), within(1e-6));
  }

  @Test
  void sameSeedSameIntervalOtherSeedDiffers() {
    boolean[] c = outcomes(37, 90);
    Interval a = new Bootstrap(2000, 1).accuracy(c, 0.9);
    assertThat(new Bootstrap(2000, 1).accuracy(c, 0.9)).isEqualTo(a);
    // Intervals are quantiles of a discrete statistic, so a single other seed may tie; five won't.
    long differing =
        java.util.stream.LongStream.rangeClosed(2, 6)
            .mapToObj(s -> new Bootstrap(2000, s).accuracy(c, 0.9))
            .filter(o -> !o.equals(a))
            .count();
    assertThat(differing).isPositive();
  }

  @Test
  void resamplingIsDocumentedAlgorithm() {
    // Recompute replicate 0..B-1 exactly as the Javadoc says and compare the quantiles.
    boolean[] c = {true, false, false, true, true, false, true};
    int b = 500;
    SplittableRandom rng = new SplittableRandom(99);
    double[] stats = new double[b];
    for (int r = 0; r < b; r++) {
      int s = 0;
      for (int i = 0; i < c.length; i++) {
        s += c[rng.nextInt(c.length)] ? 1 : 0;
      }
      stats[r] = s / 7.0;
    }
    java.util.Arrays.sort(stats);
    double h = (b - 1) * 0.025;
    int lo = (int) h;
    double expectedLow = stats[lo] + (h - lo) * (stats[lo + 1] - stats[lo]);
    assertThat(new Bootstrap(b, 99).accuracy(c, 0.95).low()).isEqualTo(expectedLow);
  }

  @Test
  void pairedDifferenceIsCentredAndNarrowerThanUnpaired() {
    // Two runs that agree on 180 of 200 questions: A right on 15 more, B right on 5 more.
    boolean[] a = new boolean[200];
    boolean[] b = new boolean[200];
    for (int i = 0; i < 60; i++) {
      a[i] = b[i] = true;
    }
    for (int i = 60; i < 75; i++) {
      a[i] = true;
    }
    for (int i = 75; i < 80; i++) {
      b[i] = true;
    }
    Interval d = new Bootstrap(10_000, 4242).pairedDifference(a, b, 0.95);
    assertThat(d.estimate()).isCloseTo(0.05, within(1e-12));
    // normal approximation: sd of mean difference = sqrt((20/200 - 0.05^2)/200) = 0.02208
    assertThat(d.low()).isCloseTo(0.05 - 1.96 * 0.02208, within(0.006));
    assertThat(d.high()).isCloseTo(0.05 + 1.96 * 0.02208, within(0.006));
  }

  @Test
  void validatesInputs() {
    assertThatThrownBy(() -> new Bootstrap(10, 1))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("resamples must be in [100, 10000000], was 10");
    assertThatThrownBy(() -> new Bootstrap(100, 1).pairedDifference(new boolean[2], new boolean[3], 0.95))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("same number of questions");
  }
}
