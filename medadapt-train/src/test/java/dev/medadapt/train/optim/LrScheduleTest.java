package dev.medadapt.train.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.train.TrainingConfig;
import org.junit.jupiter.api.Test;

/**
 * The four {@code lr_scheduler_type}s against the lambdas of transformers' {@code optimization.py}
 * ({@code get_scheduler}), written out here independently for every step k of a run, and warm-up given as steps or as
 * a ratio of the total.
 */
class LrScheduleTest {
  static final long TOTAL = 50;
  static final int WARMUP = 7;

  /** transformers' lambdas, by {@code lr_scheduler_type}, for step k of a run of {@code total} with w warm-up steps. */
  static double transformers(String type, long k, long total, int w) {
    double warm = (double) k / Math.max(1, w);
    return switch (type) {
      case "constant" -> 1.0;
      case "constant_with_warmup" -> k < w ? warm : 1.0;
      case "linear" -> k < w ? warm : Math.max(0.0, (double) (total - k) / Math.max(1, total - w));
      case "cosine" -> {
        if (k < w) {
          yield warm;
        }
        double progress = (double) (k - w) / Math.max(1, total - w);
        yield Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress)));
      }
      default -> throw new IllegalArgumentException(type);
    };
  }

  static LrSchedule of(TrainingConfig.Schedule s, long total, int w) {
    return switch (s) {
      case COSINE -> LrSchedule.cosine(total, w);
      case LINEAR -> LrSchedule.linear(total, w);
      case CONSTANT -> LrSchedule.constant();
      case CONSTANT_WITH_WARMUP -> LrSchedule.constantWithWarmup(w);
    };
  }

  @Test
  void everyTypeMatchesTransformersAtEveryStep() {
    for (TrainingConfig.Schedule s : TrainingConfig.Schedule.values()) {
      int w = s == TrainingConfig.Schedule.CONSTANT ? 0 : WARMUP;
      LrSchedule schedule = of(s, TOTAL, w);
      for (long k = 0; k <= TOTAL + 3; k++) {
        assertThat(schedule.factor(k)).as(s.hfName() + " step " + k)
            .isCloseTo(transformers(s.hfName(), k, TOTAL, w), within(1e-15));
      }
    }
  }

  @Test
  void valuesAtChosenStepsAreTheClosedForms() {
    // warm-up: step/w from 0; the first update has factor 0 (the scheduler steps after the optimizer)
    assertThat(LrSchedule.linear(TOTAL, WARMUP).factor(0)).isZero();
    assertThat(LrSchedule.cosine(TOTAL, WARMUP).factor(3)).isEqualTo(3.0 / 7);
    assertThat(LrSchedule.constantWithWarmup(WARMUP).factor(6)).isEqualTo(6.0 / 7);
    // the peak at the end of warm-up
    for (TrainingConfig.Schedule s : TrainingConfig.Schedule.values()) {
      assertThat(of(s, TOTAL, s == TrainingConfig.Schedule.CONSTANT ? 0 : WARMUP).factor(WARMUP)).isEqualTo(1.0);
    }
    // linear: (50 - 22) / 43; cosine half way through the decay (k = 7 + 21.5 is not a step; k = 29: p = 22/43)
    assertThat(LrSchedule.linear(TOTAL, WARMUP).factor(22)).isEqualTo(28.0 / 43);
    assertThat(LrSchedule.cosine(TOTAL, WARMUP).factor(29))
        .isCloseTo(0.5 * (1 + Math.cos(Math.PI * 22.0 / 43)), within(1e-15));
    // both decaying types reach 0 at the last step and stay there
    assertThat(LrSchedule.linear(TOTAL, WARMUP).factor(TOTAL)).isZero();
    assertThat(LrSchedule.cosine(TOTAL, WARMUP).factor(TOTAL)).isCloseTo(0, within(1e-15));
    assertThat(LrSchedule.linear(TOTAL, WARMUP).factor(TOTAL + 5)).isZero();
    assertThat(LrSchedule.constantWithWarmup(WARMUP).factor(TOTAL + 5)).isEqualTo(1.0);
    assertThat(LrSchedule.constant().factor(0)).isEqualTo(1.0);
  }

  @Test
  void warmupRatioResolvesAgainstTheTotalStepsAsTransformersDoes() {
    // TrainingArguments.get_warmup_steps: ceil(num_training_steps * warmup_ratio)
    assertThat(Warmup.ratio(0.1).resolve(TOTAL)).isEqualTo(5);
    assertThat(Warmup.ratio(0.05).resolve(TOTAL)).isEqualTo(3); // ceil(2.5)
    assertThat(Warmup.ratio(1.0).resolve(TOTAL)).isEqualTo(50);
    assertThat(Warmup.steps(WARMUP).resolve(TOTAL)).isEqualTo(WARMUP);
    TrainingConfig c = TrainingConfig.builder().warmupRatio(0.2).build();
    assertThat(c.warmup().resolve(TOTAL)).isEqualTo(10);
    assertThat(c.describe()).containsEntry("warmup_ratio", "0.2").containsEntry("warmup_steps", "0");
  }

  @Test
  void warmupStepsAndRatioTogetherAreANamedError() {
    assertThatThrownBy(() -> TrainingConfig.builder().warmupSteps(10).warmupRatio(0.1).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("warmupSteps (10) and warmupRatio (0.1) were both given");
    assertThatThrownBy(() -> new Warmup(3, 0.5)).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("give warmupSteps or warmupRatio, not both");
    // a given value replaces the warm-up a recipe (or toBuilder) carried, in either direction
    TrainingConfig ratio = TrainingConfig.builder().warmup(Warmup.ratio(0.05)).build();
    assertThat(ratio.toBuilder().warmupSteps(4).build().warmup()).isEqualTo(Warmup.steps(4));
    TrainingConfig steps = TrainingConfig.builder().warmup(Warmup.steps(300)).build();
    assertThat(steps.toBuilder().warmupRatio(0.1).build().warmup()).isEqualTo(Warmup.ratio(0.1));
    // a zero alongside the other is no conflict
    assertThat(TrainingConfig.builder().warmupSteps(0).warmupRatio(0.3).build().warmup())
        .isEqualTo(Warmup.ratio(0.3));
    assertThatThrownBy(() -> TrainingConfig.builder().warmupRatio(1.5).build())
        .hasMessageContaining("warmupRatio");
    assertThatThrownBy(() -> TrainingConfig.builder().warmupSteps(-1).build())
        .hasMessageContaining("warmupSteps");
  }
}
