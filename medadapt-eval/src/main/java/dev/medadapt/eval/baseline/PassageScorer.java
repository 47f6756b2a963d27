package dev.medadapt.eval.baseline;

/**
 * Searches a corpus and returns the score of the best hit, so that the {@link IrSolver} needs no
 * dependency on a particular index (the CLI wires in medadapt-rag's BM25 index).
 */
@FunctionalInterface
public interface PassageScorer {

  /** Score of the best passage for {@code query}, or {@link Double#NEGATIVE_INFINITY} when nothing matches. */
  double bestScore(String query);

  /**
   * Score of the best passage for one option. Clark et al. (2016) query with question + option and
   * take the top passage that also shares at least one non-stopword with the question and one with
   * the option; an implementation that can check passages applies that filter here. The default
   * queries {@code question + " " + option} without it.
   */
  default double bestScore(String question, String option) {
    return bestScore(question + " " + option);
  }
}
