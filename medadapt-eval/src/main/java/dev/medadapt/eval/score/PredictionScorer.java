package dev.medadapt.eval.score;

import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.stats.Interval;
import dev.medadapt.eval.stats.Proportions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores other systems' raw outputs ({@link Predictions}) against a benchmark with an
 * {@link AnswerExtractor}: the first response of each question is extracted and compared with the
 * answer. Accuracy is over all questions of the benchmark, as in MIRAGE's {@code evaluate.py}.
 *
 * <pre>{@code
 * ScoreReport r = new PredictionScorer(new ReasoningExtractor(), "reasoning")
 *     .score("medqa", questions, Predictions.read(Path.of("preds.jsonl.gz")));
 * }</pre>
 */
public final class PredictionScorer {
  private static final Logger LOG = LoggerFactory.getLogger(PredictionScorer.class);

  private final AnswerExtractor extractor;
  private final String extractorName;

  public PredictionScorer(AnswerExtractor extractor, String extractorName) {
    this.extractor = dev.medadapt.core.Ensure.notNull(extractor, "extractor");
    this.extractorName = dev.medadapt.core.Ensure.notBlank(extractorName, "extractorName");
  }

  public ScoreReport score(String dataset, List<Question> questions, Predictions predictions) {
    List<ScoredItem> items = new ArrayList<>(questions.size());
    Set<String> ids = new HashSet<>();
    int correct = 0;
    int unparsed = 0;
    int missing = 0;
    int empty = 0;
    int defaulted = 0;
    for (Question q : questions) {
      ids.add(q.id());
      List<String> responses = predictions.responses().get(q.id());
      ScoredItem item;
      if (responses == null) {
        missing++;
        item = new ScoredItem(q.id(), q.answer(), null, ScoredItem.Status.MISSING);
      } else if (responses.isEmpty()) {
        empty++;
        item = new ScoredItem(q.id(), q.answer(), null, ScoredItem.Status.EMPTY);
      } else {
        Extraction e = extractor.extract(responses.get(0), q);
        if (!e.parsed()) {
          unparsed++;
          item = new ScoredItem(q.id(), q.answer(), e, ScoredItem.Status.UNPARSED);
        } else {
          if (MirageExtractor.DEFAULT_RULE.equals(e.rule())) {
            defaulted++;
          }
          boolean ok = e.letter().equals(q.answer());
          correct += ok ? 1 : 0;
          item = new ScoredItem(q.id(), q.answer(), e, ok ? ScoredItem.Status.CORRECT : ScoredItem.Status.WRONG);
        }
      }
      items.add(item);
    }
    List<String> unknown = new ArrayList<>();
    for (String id : predictions.responses().keySet()) {
      if (!ids.contains(id)) {
        unknown.add(id);
      }
    }
    if (missing > 0) {
      LOG.warn("{}: {} of {} questions have no prediction in {} (counted wrong)", dataset, missing, questions.size(), predictions.source());
    }
    if (!unknown.isEmpty()) {
      LOG.warn("{}: {} predictions in {} have ids that are not questions of the benchmark, e.g. {}",
          dataset, unknown.size(), predictions.source(), unknown.get(0));
    }
    Interval ci = Proportions.wilson(correct, questions.size(), 0.95);
    return new ScoreReport(dataset, extractorName, questions.size(), correct, unparsed, missing, empty, defaulted,
        unknown.size(), unknown.subList(0, Math.min(5, unknown.size())), ci.low(), ci.high(), items);
  }
}
