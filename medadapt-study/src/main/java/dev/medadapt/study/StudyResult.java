package dev.medadapt.study;

import dev.medadapt.eval.report.Comparison;
import dev.medadapt.eval.report.RunSummary;
import java.nio.file.Path;
import java.util.List;

/**
 * What a study produced.
 *
 * @param outDir the study folder
 * @param summaries accuracy per benchmark of each arm, base first
 * @param comparisons each adaptation against the base model (paired McNemar, bootstrap difference, Holm)
 * @param report the Markdown report
 */
public record StudyResult(Path outDir, List<RunSummary> summaries, List<Comparison> comparisons, Path report) {
  public StudyResult {
    summaries = List.copyOf(summaries);
    comparisons = List.copyOf(comparisons);
  }
}
