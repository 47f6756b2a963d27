package dev.medadapt.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LanguageModel} promises, written once: each implementation's test extends this class and says how
 * to make one (as Lucene's {@code Base*TestCase} suites). Greedy decoding is deterministic, streamed pieces add up to
 * the text, batches keep input order, and log-likelihood scoring is either supported (in order, finite, non-positive,
 * repeatable) or refused with an error that names the model.
 */
public abstract class LanguageModelContract {
  private static final List<String> PROMPTS =
      List.of("Which vitamin deficiency causes scurvy?", "First-line drug for type 2 diabetes?", "Define sepsis.");

  protected LanguageModel lm;

  /** A fresh model for one test; closed after it. */
  protected abstract LanguageModel create() throws Exception;

  /** Tokens per greedy generation in these tests (small: the contract is about behavior, not quality). */
  protected int maxNewTokens() {
    return 8;
  }

  @BeforeEach
  void open() throws Exception {
    lm = create();
  }

  @AfterEach
  void closeModel() {
    if (lm != null) {
      lm.close();
    }
  }

  private GenerationOptions greedy() {
    return GenerationOptions.greedy(maxNewTokens());
  }

  @Test
  void hasAName() {
    assertThat(lm.name()).isNotBlank();
  }

  @Test
  void streamedPiecesAddUpToTheGeneratedText() {
    List<String> pieces = new ArrayList<>();
    Generation g = lm.generate(PROMPTS.get(0), greedy(), pieces::add);
    assertThat(String.join("", pieces)).isEqualTo(g.text());
    if (g.generatedTokens() >= 0) {
      assertThat(g.generatedTokens()).isBetween(0, maxNewTokens());
    }
  }

  @Test
  void streamedChatPiecesAddUpToTheTextAndEqualTheUnstreamedAnswer() {
    List<ChatMessage> conversation = List.of(ChatMessage.system("Be brief."), ChatMessage.user(PROMPTS.get(1)));
    List<String> pieces = new ArrayList<>();
    Generation streamed = lm.chat(conversation, greedy(), pieces::add);
    assertThat(String.join("", pieces)).isEqualTo(streamed.text());
    assertThat(lm.chat(conversation, greedy()).text()).isEqualTo(streamed.text());
  }

  @Test
  void greedyGenerationIsDeterministic() {
    assertThat(lm.generate(PROMPTS.get(2), greedy()).text()).isEqualTo(lm.generate(PROMPTS.get(2), greedy()).text());
  }

  @Test
  void batchesKeepInputOrderAndEqualSingleCalls() {
    List<Generation> batch = lm.generateBatch(PROMPTS, greedy());
    assertThat(batch).hasSize(PROMPTS.size());
    for (int i = 0; i < PROMPTS.size(); i++) {
      assertThat(batch.get(i).text()).as("prompt %d", i).isEqualTo(lm.generate(PROMPTS.get(i), greedy()).text());
    }
    assertThat(lm.generateBatch(List.of(), greedy())).isEmpty();
  }

  @Test
  void loglikelihoodIsInOrderFiniteNonPositiveAndRepeatableOrRefusedByName() {
    LoglikelihoodRequest a = new LoglikelihoodRequest("Question: scurvy?\nAnswer:", " Vitamin C");
    LoglikelihoodRequest b = new LoglikelihoodRequest("Question: scurvy?\nAnswer:", " Iron deficiency anemia");
    if (!lm.supportsLoglikelihood()) {
      assertThatThrownBy(() -> lm.loglikelihood(List.of(a)))
          .isInstanceOf(UnsupportedFeatureException.class)
          .hasMessageContaining(lm.name());
      return;
    }
    List<LoglikelihoodResult> ab = lm.loglikelihood(List.of(a, b));
    List<LoglikelihoodResult> ba = lm.loglikelihood(List.of(b, a));
    assertThat(ab).hasSize(2);
    for (LoglikelihoodResult r : ab) {
      assertThat(r.logLikelihood()).isFinite().isLessThanOrEqualTo(0.0);
      assertThat(r.tokens()).isPositive();
    }
    // Same request, same score, whatever it is batched with and in whichever position.
    assertThat(ba.get(1).logLikelihood()).isCloseTo(ab.get(0).logLikelihood(), org.assertj.core.data.Offset.offset(
        1e-4 * Math.max(1, Math.abs(ab.get(0).logLikelihood()))));
    assertThat(ba.get(0).logLikelihood()).isCloseTo(ab.get(1).logLikelihood(), org.assertj.core.data.Offset.offset(
        1e-4 * Math.max(1, Math.abs(ab.get(1).logLikelihood()))));
    assertThat(lm.loglikelihood(List.of())).isEmpty();
  }
}
