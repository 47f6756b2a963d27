package dev.medadapt.eval.score;

import java.util.List;

/**
 * Accuracy of one prediction set on one benchmark. Every question counts in {@code n}: missing,
 * empty and unparsed predictions are wrong and counted on their own, never dropped.
 *
 * @param dataset benchmark name
 * @param extractor extractor name ({@code reasoning} or {@code mirage})
 * @param n questions in the benchmark
 * @param correct correct answers
 * @param unparsed predictions from which no letter could be read
 * @param missing questions without a prediction
 * @param empty predictions with an empty response list
 * @param defaulted (mirage mode) answers that are MIRAGE's silent default "A"; 0 otherwise
 * @param unknownIds predictions whose id is not a question of the benchmark (warnings, not scored)
 * @param unknownIdExamples up to 5 of those ids
 * @param ciLow lower end of the Wilson 95% interval of the accuracy
 * @param ciHigh upper end of the Wilson 95% interval
 * @param items per-question outcomes, in benchmark order
 */
public record ScoreReport(
    String dataset,
    String extractor,
    int n,
    int correct,
    int unparsed,
    int missing,
    int empty,
    int defaulted,
    int unknownIds,
    List<String> unknownIdExamples,
    double ciLow,
    double ciHigh,
    List<ScoredItem> items) {

  public ScoreReport {
    unknownIdExamples = List.copyOf(unknownIdExamples);
    items = List.copyOf(items);
  }

  /** correct / n (NaN for an empty benchmark). */
  public double accuracy() {
    return n == 0 ? Double.NaN : (double) correct / n;
  }
}
