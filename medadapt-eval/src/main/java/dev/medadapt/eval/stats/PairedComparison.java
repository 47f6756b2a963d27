package dev.medadapt.eval.stats;

import dev.medadapt.core.ConfigurationException;

/**
 * Two runs compared question by question.
 *
 * @param n questions scored by both runs
 * @param bothCorrect right in both
 * @param onlyA right in A only
 * @param onlyB right in B only
 * @param bothWrong wrong in both
 * @param difference paired bootstrap interval of {@code accuracy(A) - accuracy(B)}
 * @param mcnemarP exact McNemar p-value (two-sided)
 */
public record PairedComparison(
    int n, int bothCorrect, int onlyA, int onlyB, int bothWrong, Interval difference, double mcnemarP) {

  /**
   * Compares {@code a[i]} with {@code b[i]} (the same question) with McNemar's exact test and a
   * paired bootstrap interval.
   */
  public static PairedComparison of(boolean[] a, boolean[] b, Bootstrap bootstrap, double level) {
    if (a.length != b.length) {
      throw new ConfigurationException(
          "paired runs must have the same number of questions, were " + a.length + " and " + b.length);
    }
    int both = 0;
    int onlyA = 0;
    int onlyB = 0;
    int neither = 0;
    for (int i = 0; i < a.length; i++) {
      if (a[i] && b[i]) {
        both++;
      } else if (a[i]) {
        onlyA++;
      } else if (b[i]) {
        onlyB++;
      } else {
        neither++;
      }
    }
    return new PairedComparison(
        a.length, both, onlyA, onlyB, neither,
        bootstrap.pairedDifference(a, b, level),
        McNemar.exactPValue(onlyA, onlyB));
  }

  public double accuracyA() {
    return n == 0 ? Double.NaN : (double) (bothCorrect + onlyA) / n;
  }

  public double accuracyB() {
    return n == 0 ? Double.NaN : (double) (bothCorrect + onlyB) / n;
  }
}
