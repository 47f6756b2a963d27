package dev.medadapt.eval.score.internal;

import dev.medadapt.core.Ensure;
import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * Wilson score interval for a binomial proportion (Wilson 1927; Agresti and Coull 1998, eq. 2):
 * {@code (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)}, z the standard normal
 * {@code (1+level)/2} quantile. Used by the score report until the stats package is merged.
 */
public final class Wilson {
  private Wilson() {}

  /** {low, high}; {NaN, NaN} when n = 0. */
  public static double[] interval(int successes, int n, double level) {
    Ensure.between(level, 0.0, 1.0, "level");
    if (n == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    Ensure.between(successes, 0, n, "successes");
    double z = NormalDistribution.of(0, 1).inverseCumulativeProbability((1 + level) / 2);
    double p = (double) successes / n;
    double z2 = z * z;
    double denom = 1 + z2 / n;
    double center = (p + z2 / (2.0 * n)) / denom;
    double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
    return new double[] {Math.max(0, center - half), Math.min(1, center + half)};
  }
}
