package dev.medadapt.eval.report;

import dev.medadapt.eval.run.ItemRecord;
import dev.medadapt.eval.stats.Bootstrap;
import dev.medadapt.eval.stats.Interval;
import dev.medadapt.eval.stats.Proportions;
import java.util.List;

/**
 * Accuracy of one run on one benchmark, with both of its intervals.
 *
 * @param benchmark benchmark name ({@link #ALL} for all items pooled)
 * @param n items scored
 * @param correct items answered correctly
 * @param unparsed items whose answer could not be read (counted wrong, reported separately)
 * @param wilson Wilson score interval of the accuracy
 * @param bootstrap percentile bootstrap interval of the accuracy
 */
public record BenchmarkSummary(
    String benchmark, int n, int correct, int unparsed, Interval wilson, Interval bootstrap) {

  /** Name of the row that pools every benchmark's items. */
  public static final String ALL = "all";

  /** Accuracy (unparsed answers count as wrong); NaN when n is 0. */
  public double accuracy() {
    return n == 0 ? Double.NaN : (double) correct / n;
  }

  /** Summarises {@code records} (all from one benchmark, or pooled). */
  public static BenchmarkSummary of(String benchmark, List<ItemRecord> records, Bootstrap bootstrap, double level) {
    boolean[] c = new boolean[records.size()];
    int correct = 0;
    int unparsed = 0;
    for (int i = 0; i < c.length; i++) {
      ItemRecord r = records.get(i);
      c[i] = r.correct();
      correct += r.correct() ? 1 : 0;
      unparsed += r.isUnparsed() ? 1 : 0;
    }
    return new BenchmarkSummary(
        benchmark, c.length, correct, unparsed,
        Proportions.wilson(correct, c.length, level),
        bootstrap.accuracy(c, level));
  }
}
