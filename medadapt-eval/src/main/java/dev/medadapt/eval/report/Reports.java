package dev.medadapt.eval.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.MedAdaptException;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.io.AtomicFiles;
import dev.medadapt.eval.stats.Bootstrap;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes summaries and comparisons as Markdown, CSV, JSON, an SVG chart and (when Java2D can draw
 * text here) a PNG of the same chart. Every file is written atomically (temp file + rename).
 *
 * <pre>{@code
 * RunSummary s = RunSummary.of("base", RunLog.readDir(dir).records(), new Bootstrap(10_000, 4242), 0.95);
 * Reports.writeSummary(dir, "summary", List.of(s), bootstrap);
 * }</pre>
 */
public final class Reports {
  private static final Logger LOG = LoggerFactory.getLogger(Reports.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Reports() {}

  /** {@code name.md/.csv/.json/.svg/.png} with one summary table per run and one chart of all runs. */
  public static ReportFiles writeSummary(Path dir, String name, List<RunSummary> runs, Bootstrap bootstrap) {
    List<Path> written = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    double level = level(runs);
    StringBuilder md = new StringBuilder("# Accuracy\n\n");
    List<Table> tables = runs.stream().map(RunSummary::table).toList();
    for (Table t : tables) {
      md.append(t.toMarkdown()).append('\n');
    }
    md.append(methods(level, bootstrap));
    Table merged = merge("Accuracy", tables);
    written.add(write(dir.resolve(name + ".md"), md.toString()));
    written.add(write(dir.resolve(name + ".csv"), merged.toCsv()));
    ObjectNode json = JSON.createObjectNode();
    json.put("level", level);
    json.put("bootstrap_resamples", bootstrap.resamples());
    json.put("bootstrap_seed", bootstrap.seed());
    json.set("rows", merged.toJsonNode());
    written.add(write(dir.resolve(name + ".json"), toJson(json)));
    chart(dir, name, BarChart.of("Accuracy by benchmark", runs), written, warnings);
    return new ReportFiles(written, warnings);
  }

  /** {@code name.md/.csv/.json/.svg/.png}: both runs' summaries and their paired comparison. */
  public static ReportFiles writeComparison(
      Path dir, String name, Comparison cmp, RunSummary a, RunSummary b, Bootstrap bootstrap) {
    List<Path> written = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    double level = level(List.of(a, b));
    Table table = cmp.table();
    StringBuilder md = new StringBuilder("# ").append(cmp.labelA()).append(" vs ").append(cmp.labelB()).append("\n\n");
    md.append(table.toMarkdown()).append('\n');
    if (cmp.onlyInA() > 0 || cmp.onlyInB() > 0) {
      md.append(String.format(Locale.ROOT,
          "**Unpaired items:** %d only in %s, %d only in %s; they are excluded from the paired comparison.%n%n",
          cmp.onlyInA(), cmp.labelA(), cmp.onlyInB(), cmp.labelB()));
    }
    md.append(a.table().toMarkdown()).append('\n').append(b.table().toMarkdown()).append('\n');
    md.append(methods(level, bootstrap));
    md.append(String.format(Locale.ROOT,
        "- Difference = accuracy(%s) - accuracy(%s) on the questions both runs answered, with a paired "
            + "percentile bootstrap interval (the same resampled questions for both runs).%n"
            + "- mcnemar_p: exact two-sided McNemar test on the discordant questions (only_a, only_b); "
            + "holm_p: Holm-adjusted over the %d benchmarks; significant: holm_p <= %s.%n",
        cmp.labelA(), cmp.labelB(), cmp.rows().size(), num(cmp.alpha())));
    written.add(write(dir.resolve(name + ".md"), md.toString()));
    written.add(write(dir.resolve(name + ".csv"), table.toCsv()));
    ObjectNode json = JSON.createObjectNode();
    json.put("run_a", cmp.labelA());
    json.put("run_b", cmp.labelB());
    json.put("level", level);
    json.put("alpha", cmp.alpha());
    json.put("bootstrap_resamples", bootstrap.resamples());
    json.put("bootstrap_seed", bootstrap.seed());
    json.put("only_in_a", cmp.onlyInA());
    json.put("only_in_b", cmp.onlyInB());
    json.set("rows", table.toJsonNode());
    json.set("summaries", merge("summaries", List.of(a.table(), b.table())).toJsonNode());
    written.add(write(dir.resolve(name + ".json"), toJson(json)));
    chart(dir, name, BarChart.of(cmp.labelA() + " vs " + cmp.labelB(), List.of(a, b)), written, warnings);
    return new ReportFiles(written, warnings);
  }

  private static void chart(Path dir, String name, BarChart chart, List<Path> written, List<String> warnings) {
    written.add(write(dir.resolve(name + ".svg"), chart.toSvg()));
    Path png = dir.resolve(name + ".png");
    try {
      chart.writePng(png); // atomic: a reader never sees half a PNG
      written.add(png);
    } catch (UnsupportedFeatureException e) {
      LOG.warn("{}", e.getMessage());
      warnings.add(e.getMessage());
    }
  }

  private static String methods(double level, Bootstrap bootstrap) {
    return String.format(Locale.ROOT,
        "#### Method%n%n"
            + "- Unparsed answers are counted wrong and listed in the unparsed column.%n"
            + "- Intervals at level %s: Wilson score, and percentile bootstrap over questions "
            + "(%d resamples, seed %d).%n",
        num(level), bootstrap.resamples(), bootstrap.seed());
  }

  private static Table merge(String title, List<Table> tables) {
    List<List<Object>> rows = new ArrayList<>();
    tables.forEach(t -> rows.addAll(t.rows()));
    return new Table(title, tables.get(0).columns(), rows);
  }

  private static double level(List<RunSummary> runs) {
    return runs.stream().flatMap(r -> r.rows().stream()).findFirst().map(b -> b.wilson().level()).orElse(0.95);
  }

  private static String num(double v) {
    return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  private static String toJson(ObjectNode node) {
    try {
      return JSON.writeValueAsString(node) + "\n";
    } catch (JsonProcessingException e) {
      throw new MedAdaptException("cannot render report JSON", e);
    }
  }

  /** Writes {@code text} as UTF-8, atomically. */
  static Path write(Path file, String text) {
    try {
      return AtomicFiles.writeString(file, text);
    } catch (java.io.IOException e) {
      throw new dev.medadapt.core.StorageException("cannot write report", file, e);
    }
  }
}
