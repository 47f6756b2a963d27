package dev.medadapt.eval.baseline;

import dev.medadapt.core.Ensure;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.eval.bench.Question;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The information-retrieval solver of Clark et al. (2016), "Combining Retrieval, Statistics, and
 * Inference to Answer Elementary Science Questions", AAAI, Sec. 3.1: for each option, query the corpus
 * with {@code question + " " + option} and choose the option whose best hit scores highest. A baseline
 * that needs no language model.
 *
 * <p>Each option is scored by {@link PassageScorer#bestScore(String, String)}, so a scorer can apply
 * Clark et al.'s overlap filter. Ties (including the case where no option retrieves anything, all scores
 * {@link Double#NEGATIVE_INFINITY}) go to the <b>first</b> of the tied options, as an argmax does; the
 * {@link Answer#tied()} flag says so, so that reports can count how often the baseline was decided by
 * option order rather than by retrieval. A NaN score is an error of the scorer and fails.
 */
public final class IrSolver {

  /**
   * The solver's choice for one question.
   *
   * @param id question id
   * @param letter chosen letter
   * @param scores best-hit score per option
   * @param tied whether another option had the same best score
   * @param correct whether the choice is the answer
   */
  public record Answer(String id, String letter, List<Double> scores, boolean tied, boolean correct) {
    public Answer {
      scores = List.copyOf(scores);
    }
  }

  private final PassageScorer scorer;

  public IrSolver(PassageScorer scorer) {
    this.scorer = Ensure.notNull(scorer, "scorer");
  }

  /** The query for one option: question text, a space, option text. */
  public static String query(Question q, int option) {
    return q.question() + " " + q.options().get(option);
  }

  public Answer answer(Question q) {
    List<Double> scores = new ArrayList<>(q.options().size());
    int best = 0;
    for (int i = 0; i < q.options().size(); i++) {
      double s = scorer.bestScore(q.question(), q.options().get(i));
      if (Double.isNaN(s)) {
        throw new IllegalStateException("passage scorer returned NaN for question " + q.id() + " option " + Question.letter(i));
      }
      scores.add(s);
      if (s > scores.get(best)) {
        best = i;
      }
    }
    double top = scores.get(best);
    boolean tied = scores.stream().filter(s -> s == top).count() > 1;
    String letter = Question.letter(best);
    return new Answer(q.id(), letter, scores, tied, letter.equals(q.answer()));
  }

  /** Answers all questions, reporting progress per question. */
  public List<Answer> answerAll(List<Question> questions, ProgressListener progress) {
    long start = System.nanoTime();
    List<Answer> out = new ArrayList<>(questions.size());
    int correct = 0;
    for (Question q : questions) {
      Answer a = answer(q);
      correct += a.correct() ? 1 : 0;
      out.add(a);
      progress.onProgress(Progress.of("ir-baseline", out.size(), questions.size(), "questions",
          Duration.ofNanos(System.nanoTime() - start), Map.of("accuracy", (double) correct / out.size())));
    }
    return out;
  }
}
