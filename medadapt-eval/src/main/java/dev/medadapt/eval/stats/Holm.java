package dev.medadapt.eval.stats;

import dev.medadapt.core.ConfigurationException;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Holm's step-down correction for testing several benchmarks at once (Holm 1979, Scand J Statist
 * 6:65), controlling the family-wise error rate without assuming independence.
 *
 * <p>Sort the m p-values ascending; the adjusted value of the i-th smallest (1-based) is
 * {@code min(1, max_{j<=i} (m - j + 1) * p_(j))}. A hypothesis is rejected at level alpha when its
 * adjusted p-value is {@code <= alpha}. This is what R's {@code p.adjust(p, "holm")} returns.
 */
public final class Holm {
  private Holm() {}

  /** Holm-adjusted p-values, in the order of {@code pValues}. */
  public static double[] adjust(double[] pValues) {
    int m = pValues.length;
    for (int i = 0; i < m; i++) {
      if (!(pValues[i] >= 0 && pValues[i] <= 1)) {
        throw new ConfigurationException("p-value " + i + " must be in [0, 1], was " + pValues[i]);
      }
    }
    Integer[] order =
        IntStream.range(0, m).boxed().sorted(Comparator.comparingDouble(i -> pValues[i])).toArray(Integer[]::new);
    double[] adjusted = new double[m];
    double running = 0;
    for (int rank = 0; rank < m; rank++) {
      int i = order[rank];
      running = Math.max(running, Math.min(1.0, (m - rank) * pValues[i]));
      adjusted[i] = running;
    }
    return adjusted;
  }

  /** Which hypotheses are rejected at family-wise level {@code alpha}. */
  public static boolean[] reject(double[] pValues, double alpha) {
    double[] adj = adjust(pValues);
    boolean[] out = new boolean[adj.length];
    for (int i = 0; i < adj.length; i++) {
      out[i] = adj[i] <= alpha;
    }
    return out;
  }
}
