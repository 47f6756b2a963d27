package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.eval.report.Comparison;
import dev.medadapt.eval.report.ReportFiles;
import dev.medadapt.eval.report.Reports;
import dev.medadapt.eval.report.RunSummary;
import dev.medadapt.eval.run.ItemRecord;
import dev.medadapt.eval.run.RunLog;
import dev.medadapt.eval.run.RunMetadata;
import dev.medadapt.eval.stats.Bootstrap;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code medadapt compare RUN_A RUN_B}: paired comparison of two eval runs on the questions both
 * answered, per benchmark, with Holm correction across benchmarks.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description =
        "Compare two eval runs question by question: accuracy of each, the difference with a paired bootstrap "
            + "interval, exact McNemar p and Holm-adjusted p across benchmarks. Writes comparison.{md,csv,json,svg,png} "
            + "to --out and prints the Markdown table.")
public final class CompareCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN_A", description = "run directory of A (written by medadapt eval)")
  Path runA;

  @Parameters(index = "1", paramLabel = "RUN_B", description = "run directory of B")
  Path runB;

  @Option(names = "--out", description = "where to write the report (default: RUN_A/compare-<name of RUN_B>)")
  Path out;

  @Option(names = "--alpha", defaultValue = "0.05", description = "family-wise significance level (default: ${DEFAULT-VALUE})")
  double alpha;

  @Option(names = "--level", defaultValue = "0.95", description = "confidence level of the intervals (default: ${DEFAULT-VALUE})")
  double level;

  @Option(names = "--bootstrap", defaultValue = "10000", description = "bootstrap resamples (default: ${DEFAULT-VALUE})")
  int resamples;

  @Option(names = "--seed", defaultValue = "4242", description = "bootstrap seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() {
    EvalCommand.headless();
    if (out != null) {
      OutPaths.requireDirectory(out, "--out");
    }
    RunMetadata.read(runA); // clear error when a directory is not a run
    RunMetadata.read(runB);
    List<ItemRecord> a = RunLog.readDir(runA).records();
    List<ItemRecord> b = RunLog.readDir(runB).records();
    String labelA = EvalCommand.label(runA);
    String labelB = EvalCommand.label(runB);
    if (labelA.equals(labelB)) {
      labelA = "A:" + labelA;
      labelB = "B:" + labelB;
    }
    Bootstrap bootstrap = new Bootstrap(resamples, seed);
    Comparison cmp = Comparison.builder().a(labelA, a).b(labelB, b).bootstrap(bootstrap).level(level).alpha(alpha).build();
    if (cmp.rows().isEmpty()) {
      throw new ConfigurationException(
          runA + " and " + runB + " share no question (benchmark and id): nothing to compare");
    }
    RunSummary sa = RunSummary.of(labelA, a, bootstrap, level);
    RunSummary sb = RunSummary.of(labelB, b, bootstrap, level);
    Path dir = out != null ? out : runA.resolve("compare-" + EvalCommand.label(runB));
    ReportFiles files = Reports.writeComparison(dir, "comparison", cmp, sa, sb, bootstrap);
    PrintWriter o = spec.commandLine().getOut();
    o.print(cmp.table().toMarkdown());
    if (cmp.onlyInA() > 0 || cmp.onlyInB() > 0) {
      o.printf("%nUnpaired items (excluded): %d only in %s, %d only in %s%n", cmp.onlyInA(), labelA, cmp.onlyInB(), labelB);
    }
    o.flush();
    PrintWriter err = spec.commandLine().getErr();
    files.warnings().forEach(w -> err.println("warning: " + w));
    err.println("wrote " + files.written().size() + " files to " + dir);
    err.flush();
    return 0;
  }
}
