package dev.medadapt.eval.stats;

import dev.medadapt.core.ConfigurationException;
import org.apache.commons.math3.analysis.solvers.BrentSolver;
import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * Sample sizes and minimum detectable differences for comparing two accuracies with a two-sided
 * test at level {@code alpha} and the given {@code power}.
 *
 * <p><b>Two independent proportions</b> (Fleiss, Levin and Paik 2003, Statistical Methods for Rates
 * and Proportions, 3rd ed., eq. 4.14, without continuity correction), with {@code p2 = p1 + delta}
 * and {@code pbar = (p1 + p2) / 2}:
 *
 * <pre>
 *   n per arm = ( z(1-alpha/2) * sqrt(2 pbar (1-pbar)) + z(power) * sqrt(p1 (1-p1) + p2 (1-p2)) )^2 / delta^2
 * </pre>
 *
 * For p1 = 0.30, delta = 0.05, alpha = 0.05, power = 0.8 this gives 1376.3, so 1377 questions per
 * arm. The power at a given n inverts the same equation (the far tail is ignored):
 * {@code Phi((delta sqrt(n) - z(1-alpha/2) sqrt(2 pbar qbar)) / sqrt(p1 q1 + p2 q2))}.
 *
 * <p><b>Paired runs</b> (both models answer the same questions, analysed with McNemar's test;
 * Connor 1987, Biometrics 43:207, eq. 3), where {@code psi} is the expected proportion of discordant
 * questions (right in exactly one run):
 *
 * <pre>
 *   n pairs = ( z(1-alpha/2) * sqrt(psi) + z(power) * sqrt(psi - delta^2) )^2 / delta^2
 * </pre>
 *
 * <p>The minimum detectable difference at a given n is the delta whose power is exactly
 * {@code power}, found with Brent's method.
 *
 * @param alpha two-sided significance level, in (0, 1)
 * @param power target power, in (0, 1)
 */
public record PowerAnalysis(double alpha, double power) {
  private static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);

  public PowerAnalysis {
    if (!(alpha > 0 && alpha < 1)) {
      throw new ConfigurationException("alpha must be in (0, 1), was " + alpha);
    }
    if (!(power > 0 && power < 1)) {
      throw new ConfigurationException("power must be in (0, 1), was " + power);
    }
  }

  /** Conventional alpha = 0.05, power = 0.8. */
  public static PowerAnalysis conventional() {
    return new PowerAnalysis(0.05, 0.8);
  }

  /** Exact (unrounded) questions per arm to detect {@code p -> p + delta} with independent samples. */
  public double twoProportionSampleSizeExact(double p, double delta) {
    checkPair(p, delta);
    double p2 = p + delta;
    double pbar = (p + p2) / 2;
    double root =
        zAlpha() * Math.sqrt(2 * pbar * (1 - pbar)) + zPower() * Math.sqrt(p * (1 - p) + p2 * (1 - p2));
    return root * root / (delta * delta);
  }

  /** Questions per arm, rounded up. */
  public int twoProportionSampleSize(double p, double delta) {
    return ceilToInt(twoProportionSampleSizeExact(p, delta));
  }

  /** Power of the two-proportion test with {@code n} questions per arm. */
  public double twoProportionPower(double p, double delta, int n) {
    checkPair(p, delta);
    checkN(n);
    double p2 = p + delta;
    double pbar = (p + p2) / 2;
    double z =
        (Math.abs(delta) * Math.sqrt(n) - zAlpha() * Math.sqrt(2 * pbar * (1 - pbar)))
            / Math.sqrt(p * (1 - p) + p2 * (1 - p2));
    return STANDARD_NORMAL.cumulativeProbability(z);
  }

  /**
   * Smallest improvement over baseline {@code p} that the two-proportion test detects with the
   * target power at {@code n} questions per arm.
   *
   * @throws ConfigurationException when even {@code p -> 1} is not detectable at this n
   */
  public double minimumDetectableDifference(double p, int n) {
    checkProportion(p, "p");
    checkN(n);
    double hi = 1 - p - 1e-9;
    if (twoProportionPower(p, hi, n) < power) {
      throw new ConfigurationException(
          "no improvement over p=" + p + " reaches power " + power + " with n=" + n + " per arm");
    }
    return solve(delta -> twoProportionPower(p, delta, n) - power, 1e-9, hi);
  }

  /** Exact (unrounded) pairs needed for McNemar's test; {@code discordant} is the expected psi. */
  public double pairedSampleSizeExact(double discordant, double delta) {
    checkPaired(discordant, delta);
    double root =
        zAlpha() * Math.sqrt(discordant) + zPower() * Math.sqrt(discordant - delta * delta);
    return root * root / (delta * delta);
  }

  /** Pairs needed for McNemar's test, rounded up. */
  public int pairedSampleSize(double discordant, double delta) {
    return ceilToInt(pairedSampleSizeExact(discordant, delta));
  }

  /** Power of McNemar's test (normal approximation, Connor 1987) with {@code n} pairs. */
  public double pairedPower(double discordant, double delta, int n) {
    checkPaired(discordant, delta);
    checkN(n);
    double z =
        (Math.abs(delta) * Math.sqrt(n) - zAlpha() * Math.sqrt(discordant))
            / Math.sqrt(discordant - delta * delta);
    return STANDARD_NORMAL.cumulativeProbability(z);
  }

  /** Smallest accuracy difference McNemar's test detects at {@code n} pairs with discordance psi. */
  public double pairedMinimumDetectableDifference(double discordant, int n) {
    checkProportion(discordant, "discordant");
    checkN(n);
    double hi = discordant - 1e-9;
    if (pairedPower(discordant, hi, n) < power) {
      throw new ConfigurationException(
          "no difference up to the discordant proportion " + discordant + " reaches power " + power
              + " with n=" + n + " pairs");
    }
    return solve(delta -> pairedPower(discordant, delta, n) - power, 1e-9, hi);
  }

  private double zAlpha() {
    return STANDARD_NORMAL.inverseCumulativeProbability(1 - alpha / 2);
  }

  private double zPower() {
    return STANDARD_NORMAL.inverseCumulativeProbability(power);
  }

  private static double solve(
      org.apache.commons.math3.analysis.UnivariateFunction f, double lo, double hi) {
    if (f.value(lo) >= 0) {
      return lo;
    }
    return new BrentSolver(1e-12, 1e-12).solve(10_000, f, lo, hi);
  }

  private static void checkPair(double p, double delta) {
    checkProportion(p, "p");
    if (!(delta > 0 && p + delta < 1)) {
      throw new ConfigurationException(
          "delta must be in (0, " + (1 - p) + ") so that p + delta is a proportion, was " + delta);
    }
  }

  private static void checkPaired(double discordant, double delta) {
    checkProportion(discordant, "discordant");
    if (!(delta > 0 && delta < discordant)) {
      throw new ConfigurationException(
          "delta must be in (0, discordant=" + discordant + ") for a paired design, was " + delta);
    }
  }

  private static void checkProportion(double p, String name) {
    if (!(p > 0 && p < 1)) {
      throw new ConfigurationException(name + " must be in (0, 1), was " + p);
    }
  }

  private static void checkN(int n) {
    if (n < 2) {
      throw new ConfigurationException("n must be at least 2, was " + n);
    }
  }

  private static int ceilToInt(double v) {
    if (v > Integer.MAX_VALUE) {
      throw new ConfigurationException("required sample size " + v + " exceeds " + Integer.MAX_VALUE);
    }
    // Guard against 1376.0000000001 style round-off turning an exact integer into the next one.
    return (int) Math.ceil(v - 1e-9);
  }
}
