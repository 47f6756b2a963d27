package dev.medadapt.eval.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.eval.bench.Question;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class LoglikelihoodScorerTest {

  /** A scripted model: log-likelihood by exact (context, continuation); records requests. */
  static final class ScriptedModel implements LanguageModel {
    final Map<String, Double> script;
    final List<LoglikelihoodRequest> seen = new ArrayList<>();
    final boolean supports;

    ScriptedModel(Map<String, Double> script, boolean supports) {
      this.script = script;
      this.supports = supports;
    }

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public Generation generate(String prompt, GenerationOptions options, Consumer<String> onText) {
      throw new AssertionError("not used");
    }

    @Override
    public Generation chat(List<ChatMessage> messages, GenerationOptions options, Consumer<String> onText) {
      throw new AssertionError("not used");
    }

    @Override
    public boolean supportsLoglikelihood() {
      return supports;
    }

    @Override
    public List<LoglikelihoodResult> loglikelihood(List<LoglikelihoodRequest> requests) {
      seen.addAll(requests);
      List<LoglikelihoodResult> out = new ArrayList<>();
      for (LoglikelihoodRequest r : requests) {
        Double ll = script.get(r.continuation());
        if (ll == null) {
          throw new AssertionError("unscripted continuation " + r.continuation());
        }
        out.add(new LoglikelihoodResult(ll, false, 1));
      }
      return out;
    }

    @Override
    public void close() {}
  }

  @Test
  void accAndAccNormFollowLmEvalDefinitions() {
    // option texts of different lengths: acc picks the highest raw ll, acc_norm the highest ll/len(chars)
    Question q = new Question("q1", "t", "Which?", List.of("ab", "abcdefghij", "é"), "B", null);
    // raw: A=-4 (best), B=-10, C=-5 ; per char: A=-2, B=-1 (best), C=-5 ("é" is 1 character, 2 UTF-8 bytes)
    ScriptedModel m = new ScriptedModel(Map.of(" ab", -4.0, " abcdefghij", -10.0, " é", -5.0), true);
    List<Progress> progress = new ArrayList<>();
    MultipleChoiceScorer.Result r = new MultipleChoiceScorer(MultipleChoiceScorer.Choices.OPTION_TEXTS, 8)
        .score(m, List.of(q), progress::add);
    MultipleChoiceScorer.Item item = r.items().get(0);
    assertThat(item.pred()).isZero();
    assertThat(item.predNorm()).isEqualTo(1);
    assertThat(r.acc()).isEqualTo(0.0);
    assertThat(r.accNorm()).isEqualTo(1.0);
    assertThat(m.seen.get(0).context()).isEqualTo("Question: Which?\nA. ab\nB. abcdefghij\nC. é\nAnswer:");
    assertThat(m.seen).extracting(LoglikelihoodRequest::continuation).containsExactly(" ab", " abcdefghij", " é");
    assertThat(progress).hasSize(1);
    assertThat(progress.get(0).done()).isEqualTo(1);
  }

  @Test
  void charactersNotBytes() {
    // "éé" is 2 characters (4 UTF-8 bytes); "abc" 3 characters. ll: -3 vs -2.5
    // per character: -1.5 vs -0.833 -> B; per byte it would be -0.75 vs -0.833 -> A
    Question q = new Question("q", "t", "?", List.of("éé", "abc"), "B", null);
    ScriptedModel m = new ScriptedModel(Map.of(" éé", -3.0, " abc", -2.5), true);
    MultipleChoiceScorer.Result r = new MultipleChoiceScorer(MultipleChoiceScorer.Choices.OPTION_TEXTS, 1).score(m, List.of(q), p -> {});
    assertThat(r.items().get(0).predNorm()).isEqualTo(1);
  }

  @Test
  void lettersTiesGoToFirstAndBatchesSplit() {
    Question a = new Question("a", "t", "?", List.of("x", "y", "z"), "A", null);
    Question b = new Question("b", "t", "?", List.of("x", "y", "z"), "C", null);
    Question c = new Question("c", "t", "?", List.of("x", "y", "z"), "B", null);
    ScriptedModel m = new ScriptedModel(Map.of(" A", -1.0, " B", -1.0, " C", -2.0), true);
    MultipleChoiceScorer.Result r = new MultipleChoiceScorer(MultipleChoiceScorer.Choices.LETTERS, 2).score(m, List.of(a, b, c), p -> {});
    assertThat(r.items()).extracting(MultipleChoiceScorer.Item::pred).containsExactly(0, 0, 0);
    assertThat(r.acc()).isEqualTo(1.0 / 3);
    assertThat(m.seen).hasSize(9);
  }

  @Test
  void unsupportedModelIsAClearError() {
    ScriptedModel m = new ScriptedModel(Map.of(), false);
    assertThatThrownBy(() -> new MultipleChoiceScorer(MultipleChoiceScorer.Choices.LETTERS, 1)
            .score(m, List.of(new Question("a", "t", "?", List.of("x"), "A", null)), p -> {}))
        .isInstanceOf(UnsupportedFeatureException.class)
        .hasMessageContaining("scripted");
  }
}
