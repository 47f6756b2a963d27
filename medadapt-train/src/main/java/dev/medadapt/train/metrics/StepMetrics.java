package dev.medadapt.train.metrics;

/**
 * What one optimizer step measured.
 *
 * @param step optimizer step (1-based)
 * @param epoch epoch the step's data came from (0-based)
 * @param loss mean training loss per supervised token over the step's micro-batches
 * @param learningRate learning rate of the first parameter group used for the update
 * @param gradNorm global gradient norm before clipping
 * @param tokens input tokens processed in the step
 * @param tokensPerSecond tokens / wall time of the step
 * @param evalLoss eval loss measured after this step, or null when none was measured
 * @param peakRssBytes the process's peak resident memory during the step's forward, backward and update (VmHWM), or
 *     -1 where it cannot be measured
 */
public record StepMetrics(
    long step,
    int epoch,
    double loss,
    double learningRate,
    double gradNorm,
    long tokens,
    double tokensPerSecond,
    Double evalLoss,
    long peakRssBytes) {

  /** A step without a memory figure (-1). */
  public StepMetrics(long step, int epoch, double loss, double learningRate, double gradNorm, long tokens,
      double tokensPerSecond, Double evalLoss) {
    this(step, epoch, loss, learningRate, gradNorm, tokens, tokensPerSecond, evalLoss, -1);
  }
}
