package dev.medadapt.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.MedAdaptException;
import dev.medadapt.core.io.AtomicFiles;
import dev.medadapt.eval.report.BenchmarkSummary;
import dev.medadapt.eval.report.Comparison;
import dev.medadapt.eval.report.RunSummary;
import dev.medadapt.eval.report.Table;
import dev.medadapt.eval.stats.Bootstrap;
import dev.medadapt.eval.stats.PairedComparison;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The study's report: one grid of methods (rows) by benchmarks (columns) with Wilson intervals, n and the mean over
 * benchmarks; the paired table (difference with its bootstrap interval, discordant counts, exact McNemar p,
 * Holm-adjusted p, significance); the provenance (model, data, settings actually used, n per benchmark); and links to
 * the charts. Written as {@code study.md}, {@code study.csv} (the grid), {@code study-paired.csv} and
 * {@code study.json} (all three parts).
 *
 * @param methods the grid's rows, in order
 * @param comparisons the paired table's comparisons, in order
 * @param provenance label/value pairs of the provenance section, in order
 * @param charts chart files relative to the report's folder (SVG, PNG)
 * @param details other reports relative to the report's folder (per-method tables, per-comparison reports)
 * @param level confidence level of the intervals
 * @param bootstrap the bootstrap of the difference intervals
 */
public record StudyReport(
    List<Method> methods,
    List<Comparison> comparisons,
    Map<String, String> provenance,
    List<String> charts,
    List<String> details,
    double level,
    Bootstrap bootstrap) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public StudyReport {
    methods = List.copyOf(methods);
    comparisons = List.copyOf(comparisons);
    provenance = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
    charts = List.copyOf(charts);
    details = List.copyOf(details);
  }

  /**
   * One row of the grid.
   *
   * @param summary the method's accuracy per benchmark
   * @param kind what the method is, e.g. "random model: pipeline demonstration" or "IR solver, no LLM"
   */
  public record Method(RunSummary summary, String kind) {
    public String label() {
      return summary.label();
    }

    /**
     * The mean of the benchmark accuracies, each benchmark weighing the same whatever its n: how the reference
     * study's seed code computed its average.
     */
    public double meanOverBenchmarks() {
      return summary.benchmarks().stream().mapToDouble(BenchmarkSummary::accuracy).average().orElse(Double.NaN);
    }
  }

  /** The benchmarks, in the order of the first method's rows. */
  public List<String> benchmarks() {
    List<String> out = new ArrayList<>();
    for (Method m : methods) {
      for (BenchmarkSummary b : m.summary().benchmarks()) {
        if (!out.contains(b.benchmark())) {
          out.add(b.benchmark());
        }
      }
    }
    return out;
  }

  /** The grid: method, kind, one "acc [low, high] n=N" cell per benchmark, the mean over benchmarks. */
  public Table grid() {
    List<String> benches = benchmarks();
    List<String> cols = new ArrayList<>(List.of("method", "kind"));
    benches.forEach(b -> cols.add(b + " (" + pct(level) + " Wilson)"));
    cols.add("mean over benchmarks");
    Table.Builder t = Table.builder("Accuracy").columns(cols.toArray(String[]::new));
    for (Method m : methods) {
      List<Object> row = new ArrayList<>(List.of(m.label(), m.kind()));
      for (String b : benches) {
        BenchmarkSummary s = find(m.summary(), b);
        row.add(s == null ? "-" : String.format(Locale.ROOT, "%.3f [%.3f, %.3f] n=%d",
            s.accuracy(), s.wilson().low(), s.wilson().high(), s.n()));
      }
      row.add(String.format(Locale.ROOT, "%.3f", m.meanOverBenchmarks()));
      t.row(row.toArray());
    }
    return t.build();
  }

  /** The paired table: one row per comparison and benchmark. */
  public Table paired() {
    Table.Builder t = Table.builder("Paired comparisons")
        .columns("comparison", "benchmark", "n", "difference", "diff_low", "diff_high", "discordant_a_only",
            "discordant_b_only", "mcnemar_p", "holm_p", "significant");
    for (Comparison c : comparisons) {
      for (Comparison.Row r : c.rows()) {
        PairedComparison pc = r.paired();
        t.row(c.labelA() + " vs " + c.labelB(), r.benchmark(), pc.n(), pc.difference().estimate(),
            pc.difference().low(), pc.difference().high(), pc.onlyA(), pc.onlyB(), pc.mcnemarP(), r.holmP(),
            r.significant() ? "yes" : "no");
      }
    }
    return t.build();
  }

  /** The long-format grid for CSV/JSON: one row per method and benchmark. */
  public Table gridLong() {
    Table.Builder t = Table.builder("Accuracy")
        .columns("method", "kind", "benchmark", "n", "correct", "accuracy", "wilson_low", "wilson_high");
    for (Method m : methods) {
      for (BenchmarkSummary s : m.summary().benchmarks()) {
        t.row(m.label(), m.kind(), s.benchmark(), s.n(), s.correct(), s.accuracy(), s.wilson().low(),
            s.wilson().high());
      }
    }
    return t.build();
  }

  /** The Markdown report. */
  public String toMarkdown() {
    StringBuilder md = new StringBuilder("# Study report\n\n");
    md.append("## Accuracy\n\n");
    md.append(String.format(Locale.ROOT,
        "Accuracy per benchmark with its %s Wilson score interval and the number of questions n; the last column "
            + "is the mean of the benchmark accuracies (each benchmark weighs the same), as the reference study "
            + "averaged them.%n%n", pct(level)));
    md.append(grid().toMarkdown()).append('\n');
    md.append("## Paired comparisons\n\n");
    md.append(String.format(Locale.ROOT,
        "A vs B on the same questions: difference = accuracy(A) - accuracy(B) with a paired percentile bootstrap "
            + "interval (%s, %d resamples, seed %d); discordant_a_only / discordant_b_only = questions only A / only "
            + "B answered right; mcnemar_p = exact two-sided McNemar test on those discordant counts; holm_p = Holm "
            + "adjustment over the benchmarks of each comparison; significant = holm_p <= alpha (%s).%n%n",
        pct(level), bootstrap.resamples(), bootstrap.seed(),
        comparisons.isEmpty() ? "-" : num(comparisons.get(0).alpha())));
    if (comparisons.isEmpty()) {
      md.append("(no comparisons: the study ran a single method)\n\n");
    } else {
      md.append(paired().toMarkdown()).append('\n');
      for (Comparison c : comparisons) {
        if (c.onlyInA() > 0 || c.onlyInB() > 0) {
          md.append(String.format(Locale.ROOT, "- %s vs %s: %d items only in %s and %d only in %s were not paired.%n",
              c.labelA(), c.labelB(), c.onlyInA(), c.labelA(), c.onlyInB(), c.labelB()));
        }
      }
    }
    md.append("## Provenance\n\n");
    provenance.forEach((k, v) -> md.append("- **").append(k).append(":** ").append(v).append('\n'));
    md.append("\n## Charts and details\n\n");
    for (String c : charts) {
      md.append(c.endsWith(".png") ? "![accuracy by benchmark](" + c + ")\n\n" : "");
    }
    for (String c : charts) {
      md.append("- chart: [").append(c).append("](").append(c).append(")\n");
    }
    for (String d : details) {
      md.append("- [").append(d).append("](").append(d).append(")\n");
    }
    return md.toString();
  }

  /** Writes {@code study.md}, {@code study.csv}, {@code study-paired.csv} and {@code study.json} to {@code dir}. */
  public Path write(Path dir) {
    try {
      AtomicFiles.writeString(dir.resolve("study.csv"), gridLong().toCsv());
      AtomicFiles.writeString(dir.resolve("study-paired.csv"), paired().toCsv());
      ObjectNode json = JSON.createObjectNode();
      json.put("level", level);
      json.put("bootstrap_resamples", bootstrap.resamples());
      json.put("bootstrap_seed", bootstrap.seed());
      json.set("grid", gridLong().toJsonNode());
      ArrayNode means = json.putArray("mean_over_benchmarks");
      methods.forEach(m -> means.addObject().put("method", m.label()).put("mean", m.meanOverBenchmarks()));
      json.set("paired", paired().toJsonNode());
      ObjectNode prov = json.putObject("provenance");
      provenance.forEach(prov::put);
      AtomicFiles.writeJson(dir.resolve("study.json"), JSON, json);
      return AtomicFiles.writeString(dir.resolve("study.md"), toMarkdown());
    } catch (IOException e) {
      throw new MedAdaptException("cannot write the study report to " + dir + ": " + e.getMessage(), e);
    }
  }

  private static BenchmarkSummary find(RunSummary s, String benchmark) {
    return s.benchmarks().stream().filter(b -> b.benchmark().equals(benchmark)).findFirst().orElse(null);
  }

  private static String pct(double level) {
    return num(level * 100) + "%";
  }

  private static String num(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }
}
