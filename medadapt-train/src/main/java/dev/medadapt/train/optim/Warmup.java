package dev.medadapt.train.optim;

import dev.medadapt.core.Ensure;

/** Warmup given as a number of steps or as a fraction of the total steps. */
public record Warmup(int steps, double ratio) {
  public Warmup {
    Ensure.between(steps, 0, Integer.MAX_VALUE, "warmupSteps");
    Ensure.between(ratio, 0.0, 1.0, "warmupRatio");
    if (steps > 0 && ratio > 0) {
      throw new dev.medadapt.core.ConfigurationException("give warmupSteps or warmupRatio, not both");
    }
  }

  public static Warmup steps(int steps) {
    return new Warmup(steps, 0);
  }

  public static Warmup ratio(double ratio) {
    return new Warmup(0, ratio);
  }

  /**
   * Warmup steps for a run of {@code totalSteps}: {@code ceil(totalSteps · ratio)} as Hugging Face's
   * {@code TrainingArguments.get_warmup_steps} computes it, or the fixed count.
   */
  public int resolve(long totalSteps) {
    return ratio > 0 ? (int) Math.ceil(totalSteps * ratio) : steps;
  }
}
