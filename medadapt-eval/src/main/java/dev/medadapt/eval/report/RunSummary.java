package dev.medadapt.eval.report;

import dev.medadapt.core.Ensure;
import dev.medadapt.eval.run.ItemRecord;
import dev.medadapt.eval.stats.Bootstrap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-benchmark summaries of one run, plus a pooled {@link BenchmarkSummary#ALL} row when the run
 * covers more than one benchmark (micro average: every item weighs the same; its bootstrap
 * resamples the pooled items, not stratified by benchmark).
 *
 * @param label the run's name in tables and charts (usually its directory name)
 * @param rows one row per benchmark in first-seen order, then the pooled row
 */
public record RunSummary(String label, List<BenchmarkSummary> rows) {
  public RunSummary {
    Ensure.notBlank(label, "label");
    rows = List.copyOf(rows);
  }

  /** Summarises the records of a run. */
  public static RunSummary of(String label, List<ItemRecord> records, Bootstrap bootstrap, double level) {
    Map<String, List<ItemRecord>> byBench = new LinkedHashMap<>();
    for (ItemRecord r : records) {
      byBench.computeIfAbsent(r.benchmark(), k -> new ArrayList<>()).add(r);
    }
    List<BenchmarkSummary> rows = new ArrayList<>();
    byBench.forEach((b, rs) -> rows.add(BenchmarkSummary.of(b, rs, bootstrap, level)));
    if (byBench.size() > 1) {
      rows.add(BenchmarkSummary.of(BenchmarkSummary.ALL, records, bootstrap, level));
    }
    return new RunSummary(label, rows);
  }

  /** Rows of single benchmarks (without the pooled row). */
  public List<BenchmarkSummary> benchmarks() {
    return rows.stream().filter(r -> !r.benchmark().equals(BenchmarkSummary.ALL)).toList();
  }

  /** The summary table (one row per benchmark and the pooled row). */
  public Table table() {
    Table.Builder t =
        Table.builder("Accuracy of " + label)
            .columns("run", "benchmark", "n", "correct", "accuracy", "unparsed",
                "wilson_low", "wilson_high", "bootstrap_low", "bootstrap_high");
    for (BenchmarkSummary s : rows) {
      t.row(label, s.benchmark(), s.n(), s.correct(), s.accuracy(), s.unparsed(),
          s.wilson().low(), s.wilson().high(), s.bootstrap().low(), s.bootstrap().high());
    }
    return t.build();
  }
}
