package dev.medadapt.rag.index;

import java.time.Duration;
import java.util.List;

/**
 * Outcome of one {@link RagIndexWriter#index} run.
 *
 * @param chunksIndexed chunks embedded and written in this run
 * @param chunksResumed chunks skipped because an earlier, interrupted run had already committed them
 * @param badRowsSkipped corpus rows skipped under {@code SKIP_AND_COUNT}
 * @param documentsInIndex live documents in the index after the final commit
 * @param elapsed wall time of the run
 * @param duplicateIds chunks of this run whose id repeated an earlier chunk of the run (that chunk was replaced)
 * @param firstDuplicateIds the first of those ids, at most {@value DuplicateIds#FIRST}
 */
public record IndexReport(
    long chunksIndexed, long chunksResumed, long badRowsSkipped, long documentsInIndex, Duration elapsed,
    long duplicateIds, List<String> firstDuplicateIds) {

  public IndexReport {
    firstDuplicateIds = List.copyOf(firstDuplicateIds);
  }

  /** A run whose writer does not track repeated ids. */
  public IndexReport(long chunksIndexed, long chunksResumed, long badRowsSkipped, long documentsInIndex, Duration elapsed) {
    this(chunksIndexed, chunksResumed, badRowsSkipped, documentsInIndex, elapsed, 0, List.of());
  }

  /** Chunks indexed per second in this run. */
  public double chunksPerSecond() {
    return chunksIndexed / Math.max(1e-9, elapsed.toNanos() / 1e9);
  }
}
