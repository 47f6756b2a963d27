package dev.medadapt.core.progress;

import java.time.Duration;
import java.util.Map;

/**
 * A progress snapshot.
 *
 * @param task what is running ("index", "train sft", "eval medqa")
 * @param done units finished so far
 * @param total units in all, or -1 when unknown
 * @param unit what is counted ("chunks", "steps", "questions")
 * @param ratePerSecond units per second since the start
 * @param eta estimated time left, or null when unknown
 * @param metrics extra values to show (loss, learning rate, accuracy so far), in display order
 */
public record Progress(
    String task,
    long done,
    long total,
    String unit,
    double ratePerSecond,
    Duration eta,
    Map<String, Object> metrics) {

  public Progress {
    metrics = metrics == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
  }

  /** Fraction done in [0, 1], or NaN when the total is unknown. */
  public double fraction() {
    return total <= 0 ? Double.NaN : Math.min(1.0, (double) done / total);
  }

  /** A snapshot whose rate and ETA are computed from the elapsed time. */
  public static Progress of(String task, long done, long total, String unit, Duration elapsed, Map<String, Object> metrics) {
    double secs = Math.max(1e-9, elapsed.toNanos() / 1e9);
    double rate = done / secs;
    Duration eta = total > 0 && rate > 0 ? Duration.ofMillis((long) ((total - done) / rate * 1000)) : null;
    return new Progress(task, done, total, unit, rate, eta, metrics);
  }
}
