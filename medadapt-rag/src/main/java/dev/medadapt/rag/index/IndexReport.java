package dev.medadapt.rag.index;

import java.time.Duration;

/**
 * Outcome of one {@link RagIndexWriter#index} run.
 *
 * @param chunksIndexed chunks embedded and written in this run
 * @param chunksResumed chunks skipped because an earlier, interrupted run had already committed them
 * @param badRowsSkipped corpus rows skipped under {@code SKIP_AND_COUNT}
 * @param documentsInIndex live documents in the index after the final commit
 * @param elapsed wall time of the run
 */
public record IndexReport(
    long chunksIndexed, long chunksResumed, long badRowsSkipped, long documentsInIndex, Duration elapsed) {

  /** Chunks indexed per second in this run. */
  public double chunksPerSecond() {
    return chunksIndexed / Math.max(1e-9, elapsed.toNanos() / 1e9);
  }
}
