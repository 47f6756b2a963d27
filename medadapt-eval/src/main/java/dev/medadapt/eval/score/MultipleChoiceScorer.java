package dev.medadapt.eval.score;

import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelServiceException;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.prompt.LmEvalPromptFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Multiple-choice scoring by log-likelihood, with lm-evaluation-harness's definitions
 * ({@code lm_eval/api/task.py}, {@code ConfigurableTask.process_results} for
 * {@code output_type: multiple_choice}):
 *
 * <ul>
 *   <li>each choice is scored as the continuation {@code " " + choice} (the default
 *       {@code target_delimiter}) after the {@link LmEvalPromptFormat} prompt;
 *   <li>{@code acc}: the choice with the highest summed log-likelihood ({@code np.argmax(lls)}) is
 *       the gold one;
 *   <li>{@code acc_norm}: the highest {@code ll / len(choice)}, where {@code len} is the choice's
 *       length in <b>characters</b> (Python {@code len(str)}, i.e. Unicode code points, of the choice
 *       without the delimiter; {@code completion_len = np.array([float(len(i)) for i in choices])}),
 *       not bytes or tokens;
 *   <li>ties go to the first choice, as {@code np.argmax} does.
 * </ul>
 *
 * <p>Choices are either the letters ({@code " A"}, lm-eval's MMLU style) or the option texts
 * ({@code " <text>"}, lm-eval's MedQA/MedMCQA style).
 */
public final class MultipleChoiceScorer {

  /** What is scored as the continuation. */
  public enum Choices {
    /** The option letters A, B, ... */
    LETTERS,
    /** The option texts. */
    OPTION_TEXTS
  }

  /**
   * One question's scores.
   *
   * @param id question id
   * @param gold index of the correct option
   * @param logLikelihoods summed log-likelihood per choice
   * @param pred argmax of the log-likelihoods
   * @param predNorm argmax of the log-likelihoods divided by the choice length in characters
   */
  public record Item(String id, int gold, List<Double> logLikelihoods, int pred, int predNorm) {
    public Item {
      logLikelihoods = List.copyOf(logLikelihoods);
    }

    public boolean acc() {
      return pred == gold;
    }

    public boolean accNorm() {
      return predNorm == gold;
    }
  }

  /**
   * Totals.
   *
   * @param acc mean of {@link Item#acc()}
   * @param accNorm mean of {@link Item#accNorm()}
   */
  public record Result(List<Item> items, double acc, double accNorm) {
    public Result {
      items = List.copyOf(items);
    }
  }

  private final LmEvalPromptFormat format = new LmEvalPromptFormat();
  private final Choices choices;
  private final int batchQuestions;

  /**
   * @param choices what to score as continuations
   * @param batchQuestions how many questions' requests go to one {@code loglikelihood} call
   */
  public MultipleChoiceScorer(Choices choices, int batchQuestions) {
    this.choices = Ensure.notNull(choices, "choices");
    this.batchQuestions = Ensure.between(batchQuestions, 1, 4096, "batchQuestions");
  }

  /** The choice strings of {@code q} (without the leading space). */
  public List<String> choices(Question q) {
    return choices == Choices.LETTERS ? q.letters() : q.options();
  }

  /** Scores {@code questions} with {@code model}; no retrieved context. */
  public Result score(LanguageModel model, List<Question> questions, ProgressListener progress) {
    return score(model, questions, q -> List.of(), progress);
  }

  /**
   * Scores {@code questions} with {@code model}, each question's context preceded by the snippets
   * {@code snippets} returns for it (retrieval-augmented log-likelihood).
   */
  public Result score(
      LanguageModel model,
      List<Question> questions,
      java.util.function.Function<Question, List<String>> snippets,
      ProgressListener progress) {
    if (!model.supportsLoglikelihood()) {
      throw new UnsupportedFeatureException(model.name() + " does not support log-likelihood scoring");
    }
    long start = System.nanoTime();
    List<Item> items = new ArrayList<>(questions.size());
    int acc = 0;
    int accNorm = 0;
    for (int from = 0; from < questions.size(); from += batchQuestions) {
      List<Question> batch = questions.subList(from, Math.min(questions.size(), from + batchQuestions));
      List<LoglikelihoodRequest> requests = new ArrayList<>();
      for (Question q : batch) {
        String context = format.completionPrompt(q, snippets.apply(q));
        for (String c : choices(q)) {
          requests.add(new LoglikelihoodRequest(context, " " + c));
        }
      }
      List<LoglikelihoodResult> results = model.loglikelihood(requests);
      if (results.size() != requests.size()) {
        throw new ModelServiceException(
            model.name() + " returned " + results.size() + " log-likelihoods for " + requests.size() + " requests");
      }
      int k = 0;
      for (Question q : batch) {
        List<String> cs = choices(q);
        List<Double> lls = new ArrayList<>(cs.size());
        int pred = 0;
        int predNorm = 0;
        double best = Double.NEGATIVE_INFINITY;
        double bestNorm = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < cs.size(); i++) {
          double ll = results.get(k++).logLikelihood();
          lls.add(ll);
          double norm = ll / cs.get(i).codePointCount(0, cs.get(i).length());
          // strict '>' keeps the first of equal maxima, like np.argmax
          if (ll > best || i == 0) {
            best = ll;
            pred = i;
          }
          if (norm > bestNorm || i == 0) {
            bestNorm = norm;
            predNorm = i;
          }
        }
        Item item = new Item(q.id(), q.answerIndex(), lls, pred, predNorm);
        acc += item.acc() ? 1 : 0;
        accNorm += item.accNorm() ? 1 : 0;
        items.add(item);
      }
      progress.onProgress(
          Progress.of("loglikelihood", items.size(), questions.size(), "questions",
              Duration.ofNanos(System.nanoTime() - start),
              Map.of("acc", (double) acc / items.size(), "acc_norm", (double) accNorm / items.size())));
    }
    int n = questions.size();
    return new Result(items, n == 0 ? Double.NaN : (double) acc / n, n == 0 ? Double.NaN : (double) accNorm / n);
  }
}
