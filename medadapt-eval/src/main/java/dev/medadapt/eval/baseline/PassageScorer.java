package dev.medadapt.eval.baseline;

/**
 * Searches a corpus and returns the score of the best hit, so that the {@link IrSolver} needs no
 * dependency on a particular index. The RAG module's BM25 index is wired in by the CLI.
 *
 * <p>Clark et al. (2016) additionally require the top sentence to share at least one non-stopword
 * with the question and one with the option; an implementation that wants that filter applies it
 * before reporting its best score.
 */
@FunctionalInterface
public interface PassageScorer {

  /** Score of the best passage for {@code query}, or {@link Double#NEGATIVE_INFINITY} when nothing matches. */
  double bestScore(String query);
}
