package dev.medadapt.train;

import dev.medadapt.train.metrics.StepMetrics;
import java.nio.file.Path;
import java.util.List;

/**
 * What a run produced.
 *
 * @param steps optimizer steps completed
 * @param resumedFromStep the step the run resumed from, or 0 for a fresh run
 * @param trainableParameters LoRA parameters trained
 * @param metrics every step's metrics (including steps before a resume)
 * @param adapterDir the final adapter in PEFT format
 * @param outputDir the run folder (metrics, curves, checkpoints, provenance)
 */
public record TrainingResult(
    long steps,
    long resumedFromStep,
    long trainableParameters,
    List<StepMetrics> metrics,
    Path adapterDir,
    Path outputDir) {
  public TrainingResult {
    metrics = List.copyOf(metrics);
  }

  /** The last step's training loss. */
  public double finalLoss() {
    return metrics.isEmpty() ? Double.NaN : metrics.get(metrics.size() - 1).loss();
  }

  /** The last measured eval loss, or NaN when none. */
  public double finalEvalLoss() {
    for (int i = metrics.size() - 1; i >= 0; i--) {
      if (metrics.get(i).evalLoss() != null) {
        return metrics.get(i).evalLoss();
      }
    }
    return Double.NaN;
  }
}
