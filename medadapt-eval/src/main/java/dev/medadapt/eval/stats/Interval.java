package dev.medadapt.eval.stats;

/**
 * A point estimate with a two-sided confidence interval.
 *
 * @param estimate the point estimate (an accuracy, or a difference of accuracies)
 * @param low lower bound
 * @param high upper bound
 * @param level confidence level, e.g. 0.95
 * @param method how the interval was computed ({@code wilson}, {@code clopper-pearson},
 *     {@code bootstrap-percentile})
 */
public record Interval(double estimate, double low, double high, double level, String method) {

  /** Half the width of the interval. */
  public double halfWidth() {
    return (high - low) / 2;
  }

  /** Whether {@code value} lies inside the closed interval. */
  public boolean contains(double value) {
    return value >= low && value <= high;
  }
}
