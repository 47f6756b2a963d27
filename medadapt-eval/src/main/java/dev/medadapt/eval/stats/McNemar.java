package dev.medadapt.eval.stats;

import dev.medadapt.core.Ensure;
import org.apache.commons.statistics.inference.AlternativeHypothesis;
import org.apache.commons.statistics.inference.BinomialTest;

/**
 * McNemar's exact (conditional) test for two runs scored on the same questions.
 *
 * <p>Only discordant questions carry information: {@code b} = right in A only, {@code c} = right
 * in B only. Under the null hypothesis of equal accuracy, {@code b ~ Binomial(b + c, 1/2)}; the
 * two-sided p-value is Commons Statistics' exact two-sided binomial test, which for p = 1/2 equals
 * {@code min(1, 2 * P(X <= min(b, c)))} (Fagerland, Lydersen and Laake 2013, BMC Med Res Methodol
 * 13:91, eq. 1). With no discordant pair the p-value is 1.
 */
public final class McNemar {
  private McNemar() {}

  /** Exact two-sided p-value from the discordant counts. */
  public static double exactPValue(int onlyA, int onlyB) {
    Ensure.between(onlyA, 0, Integer.MAX_VALUE, "onlyA");
    Ensure.between(onlyB, 0, Integer.MAX_VALUE, "onlyB");
    int discordant = onlyA + onlyB;
    if (discordant == 0) {
      return 1.0;
    }
    return BinomialTest.withDefaults()
        .with(AlternativeHypothesis.TWO_SIDED)
        .test(discordant, onlyA, 0.5)
        .getPValue();
  }
}
