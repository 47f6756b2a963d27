package dev.medadapt.train.checkpoint;

import dev.medadapt.core.Ensure;
import dev.medadapt.train.FloatTensor;
import dev.medadapt.train.lora.LoraAdapter;
import dev.medadapt.train.metrics.StepMetrics;
import java.util.List;
import java.util.Map;

/**
 * Everything a run needs to continue exactly where it stopped.
 *
 * @param step optimizer steps completed
 * @param schedulerStep learning-rate schedule position (equal to step for the built-in trainers)
 * @param epoch current epoch (0-based)
 * @param batchInEpoch micro-batches of the current epoch already consumed (data-order position)
 * @param seed the run's seed (data order, dropout and init are all derived from it)
 * @param rngStates named generator states ({@link dev.medadapt.train.DeterministicRandom#state()})
 * @param adapter the adapter weights
 * @param optimizerState AdamW moments by name ({@code <param>.exp_avg}, {@code <param>.exp_avg_sq})
 * @param metrics metrics of every step so far
 * @param runConfig the run's configuration as a flat string map; resume refuses a different one
 */
public record TrainingState(
    long step,
    long schedulerStep,
    int epoch,
    long batchInEpoch,
    long seed,
    Map<String, Long> rngStates,
    LoraAdapter adapter,
    Map<String, FloatTensor> optimizerState,
    List<StepMetrics> metrics,
    Map<String, String> runConfig) {
  public TrainingState {
    Ensure.between(step, 0, Long.MAX_VALUE, "step");
    Ensure.notNull(adapter, "adapter");
    rngStates = Map.copyOf(rngStates);
    optimizerState = Map.copyOf(optimizerState);
    metrics = List.copyOf(metrics);
    runConfig = Map.copyOf(runConfig);
  }
}
