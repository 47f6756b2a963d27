package dev.medadapt.train.optim;

import dev.medadapt.core.Ensure;

/**
 * Learning-rate multiplier per optimizer step, as a {@code torch.optim.lr_scheduler.LambdaLR} lambda: the update
 * with 0-based index {@code step} uses {@code lr · factor(step)} (so with warmup the very first update has factor 0,
 * exactly as in Hugging Face's Trainer, which calls {@code scheduler.step()} after {@code optimizer.step()}).
 */
@FunctionalInterface
public interface LrSchedule {
  double factor(long step);

  /** A constant factor of 1. */
  static LrSchedule constant() {
    return s -> 1.0;
  }

  /** transformers' {@code get_constant_schedule_with_warmup}: {@code step/max(1,w)} during warmup, then 1. */
  static LrSchedule constantWithWarmup(int warmupSteps) {
    Ensure.between(warmupSteps, 0, Integer.MAX_VALUE, "warmupSteps");
    return step -> step < warmupSteps ? (double) step / Math.max(1, warmupSteps) : 1.0;
  }

  /**
   * transformers' {@code get_cosine_schedule_with_warmup} (num_cycles 0.5), lambda
   * {@code _get_cosine_schedule_with_warmup_lr_lambda}: {@code step/max(1,w)} during warmup, then
   * {@code max(0, 0.5·(1 + cos(π · 2 · 0.5 · p)))} with {@code p = (step − w)/max(1, total − w)}.
   */
  static LrSchedule cosine(long totalSteps, int warmupSteps) {
    Ensure.between(totalSteps, 1, Long.MAX_VALUE, "totalSteps");
    Ensure.between(warmupSteps, 0, Integer.MAX_VALUE, "warmupSteps");
    final double numCycles = 0.5;
    return step -> {
      if (step < warmupSteps) {
        return (double) step / Math.max(1, warmupSteps);
      }
      double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
      return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * numCycles * 2.0 * progress)));
    };
  }

  /**
   * transformers' {@code get_linear_schedule_with_warmup}: {@code step/max(1,w)} during warmup, then
   * {@code max(0, (total − step)/max(1, total − w))}.
   */
  static LrSchedule linear(long totalSteps, int warmupSteps) {
    Ensure.between(totalSteps, 1, Long.MAX_VALUE, "totalSteps");
    Ensure.between(warmupSteps, 0, Integer.MAX_VALUE, "warmupSteps");
    return step -> {
      if (step < warmupSteps) {
        return (double) step / Math.max(1, warmupSteps);
      }
      return Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    };
  }
}
