package dev.medadapt.eval.score;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.core.testing.TestResources;
import dev.medadapt.eval.bench.BenchmarkLoaders;
import dev.medadapt.eval.bench.MirageLoader;
import dev.medadapt.eval.bench.Question;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Real data: what MIRAGE's silent default does to an uninformative system, and that honest scoring does not. */
class ScoringIT {

  @Test
  void perfectJsonAnswersScoreOneAndGarbageScoresTheShareOfAInMirageMode() {
    Path mirage = TestResources.sharedData("mirage/benchmark.json");
    for (String set : MirageLoader.SETS) {
      List<Question> qs = BenchmarkLoaders.forName("mirage:" + set).load(mirage);
      Map<String, List<String>> perfect = new LinkedHashMap<>();
      Map<String, List<String>> garbage = new LinkedHashMap<>();
      for (Question q : qs) {
        perfect.put(q.id(), List.of("{\"step_by_step_thinking\": \"...\", \"answer_choice\": \"" + q.answer() + "\"}"));
        garbage.put(q.id(), List.of("I am not able to answer medical questions."));
      }
      long shareOfA = qs.stream().filter(q -> q.answer().equals("A")).count();
      PredictionScorer mirageMode = new PredictionScorer(new MirageExtractor(), "mirage");
      PredictionScorer honest = new PredictionScorer(new ReasoningExtractor(), "reasoning");
      assertThat(mirageMode.score(set, qs, new Predictions("p", perfect)).correct()).as(set).isEqualTo(qs.size());
      assertThat(honest.score(set, qs, new Predictions("p", perfect)).correct()).as(set).isEqualTo(qs.size());
      ScoreReport m = mirageMode.score(set, qs, new Predictions("g", garbage));
      assertThat(m.correct()).as(set).isEqualTo(shareOfA);
      assertThat(m.defaulted()).as(set).isEqualTo(qs.size());
      ScoreReport h = honest.score(set, qs, new Predictions("g", garbage));
      assertThat(h.correct()).as(set).isZero();
      assertThat(h.unparsed()).as(set).isEqualTo(qs.size());
    }
  }
}
