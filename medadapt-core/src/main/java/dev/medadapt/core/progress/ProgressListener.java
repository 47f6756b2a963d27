package dev.medadapt.core.progress;

/**
 * Receives progress of long jobs (indexing, training, evaluation). Libraries report through this
 * interface; the CLI draws it as a bar. Implementations must be cheap and thread-safe.
 */
@FunctionalInterface
public interface ProgressListener {

  /** A listener that ignores everything. */
  ProgressListener NONE = p -> {};

  void onProgress(Progress progress);
}
