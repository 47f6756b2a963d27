package dev.medadapt.eval.stats;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap intervals (Efron and Tibshirani 1993, An Introduction to the Bootstrap,
 * ch. 13) over per-question correctness.
 *
 * <p>Resampling: each of the {@code resamples} replicates draws {@code n} question indices
 * uniformly with replacement from {@code [0, n)} using {@link SplittableRandom} seeded with
 * {@code seed} (the same seed gives the same interval on every JVM, since SplittableRandom's
 * algorithm is specified). The replicate statistic is the accuracy of the drawn questions (for a
 * paired comparison: the accuracy of run A minus that of run B on the <em>same</em> drawn indices,
 * which keeps the pairing). The interval is the {@code (1-level)/2} and {@code (1+level)/2}
 * quantiles of the sorted replicate statistics, interpolated linearly between order statistics
 * (Hyndman and Fan 1996 type 7, R's default).
 *
 * <pre>{@code
 * Interval ci = new Bootstrap(10_000, 4242).accuracy(correct, 0.95);
 * }</pre>
 *
 * @param resamples number of bootstrap replicates, in [100, 10_000_000]
 * @param seed seed of the resampling generator
 */
public record Bootstrap(int resamples, long seed) {

  /** Replicates used by reports unless told otherwise (enough for stable 95% percentiles). */
  public static final int DEFAULT_RESAMPLES = 10_000;

  public Bootstrap {
    Ensure.between(resamples, 100, 10_000_000, "resamples");
  }

  /** Percentile interval of the accuracy {@code mean(correct)}. */
  public Interval accuracy(boolean[] correct, double level) {
    Proportions.checkLevel(level);
    int n = correct.length;
    if (n == 0) {
      return new Interval(Double.NaN, Double.NaN, Double.NaN, level, "bootstrap-percentile");
    }
    int hits = 0;
    for (boolean c : correct) {
      hits += c ? 1 : 0;
    }
    SplittableRandom rng = new SplittableRandom(seed);
    double[] stats = new double[resamples];
    for (int r = 0; r < resamples; r++) {
      int s = 0;
      for (int i = 0; i < n; i++) {
        s += correct[rng.nextInt(n)] ? 1 : 0;
      }
      stats[r] = (double) s / n;
    }
    return percentile(stats, (double) hits / n, level);
  }

  /**
   * Paired percentile interval of {@code accuracy(a) - accuracy(b)}, where {@code a[i]} and
   * {@code b[i]} are the two runs' results on the same question.
   */
  public Interval pairedDifference(boolean[] a, boolean[] b, double level) {
    Proportions.checkLevel(level);
    if (a.length != b.length) {
      throw new ConfigurationException(
          "paired runs must have the same number of questions, were " + a.length + " and " + b.length);
    }
    int n = a.length;
    if (n == 0) {
      return new Interval(Double.NaN, Double.NaN, Double.NaN, level, "bootstrap-percentile");
    }
    // Per question the difference is -1, 0 or +1; the replicate statistic is their mean.
    int[] d = new int[n];
    int sum = 0;
    for (int i = 0; i < n; i++) {
      d[i] = (a[i] ? 1 : 0) - (b[i] ? 1 : 0);
      sum += d[i];
    }
    SplittableRandom rng = new SplittableRandom(seed);
    double[] stats = new double[resamples];
    for (int r = 0; r < resamples; r++) {
      int s = 0;
      for (int i = 0; i < n; i++) {
        s += d[rng.nextInt(n)];
      }
      stats[r] = (double) s / n;
    }
    return percentile(stats, (double) sum / n, level);
  }

  private static Interval percentile(double[] stats, double estimate, double level) {
    Arrays.sort(stats);
    double alpha = 1 - level;
    return new Interval(
        estimate, quantile(stats, alpha / 2), quantile(stats, 1 - alpha / 2), level, "bootstrap-percentile");
  }

  /** Type-7 quantile of sorted values. */
  static double quantile(double[] sorted, double q) {
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }
}
