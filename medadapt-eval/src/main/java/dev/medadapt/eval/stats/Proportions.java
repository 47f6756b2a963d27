package dev.medadapt.eval.stats;

import dev.medadapt.core.Ensure;
import org.apache.commons.math3.stat.interval.ConfidenceInterval;
import org.apache.commons.math3.stat.interval.IntervalUtils;
import org.apache.commons.statistics.distribution.BetaDistribution;

/**
 * Confidence intervals for one accuracy (a binomial proportion {@code successes / n}): Wilson from
 * Commons Math's {@link IntervalUtils}, Clopper-Pearson from Commons Statistics' beta quantiles.
 *
 * <pre>{@code
 * Interval ci = Proportions.wilson(62, 200, 0.95); // [0.2500, 0.3772]
 * }</pre>
 *
 * <p>Wilson's score interval (Wilson 1927, JASA 22:209) is the default for reports: it keeps close
 * to the nominal coverage for small n and accuracies near 0 or 1, where the Wald interval fails
 * (Brown, Cai and DasGupta 2001, Statistical Science 16:101). Clopper-Pearson is the "exact",
 * conservative alternative.
 */
public final class Proportions {
  private Proportions() {}

  /** Wilson score interval without continuity correction. */
  public static Interval wilson(int successes, int n, double level) {
    check(successes, n, level);
    if (n == 0) {
      return new Interval(Double.NaN, 0, 1, level, "wilson");
    }
    double p = (double) successes / n;
    ConfidenceInterval ci = IntervalUtils.getWilsonScoreInterval(n, successes, level);
    // At x = 0 (x = n) the lower (upper) bound is exactly 0 (1); keep round-off from showing.
    double low = successes == 0 ? 0.0 : ci.getLowerBound();
    double high = successes == n ? 1.0 : ci.getUpperBound();
    return new Interval(p, clamp(low), clamp(high), level, "wilson");
  }

  /**
   * Clopper-Pearson interval (guaranteed coverage, conservative): the {@code (1-level)/2} quantile
   * of Beta(x, n-x+1) and the {@code (1+level)/2} quantile of Beta(x+1, n-x), from Commons
   * Statistics. (Commons Math 3.6.1's {@code ClopperPearsonInterval} throws at x = n, hence not used.)
   */
  public static Interval clopperPearson(int successes, int n, double level) {
    check(successes, n, level);
    if (n == 0) {
      return new Interval(Double.NaN, 0, 1, level, "clopper-pearson");
    }
    double alpha = 1 - level;
    double low =
        successes == 0
            ? 0.0
            : BetaDistribution.of(successes, n - successes + 1.0).inverseCumulativeProbability(alpha / 2);
    double high =
        successes == n
            ? 1.0
            : BetaDistribution.of(successes + 1.0, n - successes).inverseCumulativeProbability(1 - alpha / 2);
    return new Interval((double) successes / n, low, high, level, "clopper-pearson");
  }

  private static void check(int successes, int n, double level) {
    Ensure.between(n, 0, Integer.MAX_VALUE, "n");
    Ensure.between(successes, 0, n, "successes");
    checkLevel(level);
  }

  static void checkLevel(double level) {
    if (!(level > 0 && level < 1)) {
      throw new dev.medadapt.core.ConfigurationException("level must be in (0, 1), was " + level);
    }
  }

  private static double clamp(double v) {
    return Math.max(0.0, Math.min(1.0, v));
  }
}
