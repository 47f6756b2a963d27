package dev.medadapt.eval.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.ModelServiceException;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.score.LoglikelihoodScorer;
import dev.medadapt.eval.testing.EvalFixtures;
import dev.medadapt.eval.testing.ScriptedLanguageModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalRunnerTest {
  @TempDir Path tmp;

  private EvalRunner.Builder base(ScriptedLanguageModel model, int n) {
    return EvalRunner.builder()
        .model(model)
        .promptFormat(EvalFixtures.format())
        .extractor(EvalFixtures.extractor())
        .options(GenerationOptions.greedy(64))
        .questions(EvalFixtures.questions(n))
        .outDir(tmp.resolve("run"));
  }

  @Test
  void recordsEveryItemAndCountsUnparsedAsWrong() {
    List<Progress> seen = new ArrayList<>();
    RunResult r = base(new ScriptedLanguageModel(EvalFixtures::scriptedAnswer), 10).progress(seen::add).build().run();
    // i = 0..9: unparsed 0,5; wrong 3,6,9; right 1,2,4,7,8
    assertThat(r.n()).isEqualTo(10);
    assertThat(r.unparsed()).isEqualTo(2);
    assertThat(r.correct()).isEqualTo(5);
    ItemRecord first = r.records().get(0);
    assertThat(first.extracted()).isEqualTo(ItemRecord.UNPARSED);
    assertThat(first.rule()).isEqualTo("no 'answer is X'");
    assertThat(first.correct()).isFalse();
    assertThat(first.output()).isEqualTo("I cannot decide.");
    assertThat(r.records().get(3).extracted()).isEqualTo("A"); // gold D, script answers (3+1)%4
    assertThat(seen).hasSize(10);
    assertThat(seen.get(9).done()).isEqualTo(10);
    assertThat(seen.get(9).total()).isEqualTo(10);
    assertThat(seen.get(9).metrics()).containsEntry("acc", 0.5);
  }

  @Test
  void parallelRunEqualsSequentialRun() {
    RunResult seq = base(new ScriptedLanguageModel(EvalFixtures::scriptedAnswer), 30).build().run();
    ScriptedLanguageModel m = new ScriptedLanguageModel(EvalFixtures::scriptedAnswer, 5, -1);
    RunResult par = base(m, 30).outDir(tmp.resolve("par")).parallelism(4).build().run();
    assertThat(m.calls()).isEqualTo(30);
    assertThat(par.records()).extracting(ItemRecord::questionId)
        .containsExactlyElementsOf(seq.records().stream().map(ItemRecord::questionId).toList());
    assertThat(par.correct()).isEqualTo(seq.correct());
    assertThat(par.unparsed()).isEqualTo(seq.unparsed());
    assertThat(RunLog.readDir(tmp.resolve("par")).records()).hasSize(30);
  }

  @Test
  void batchedRunEqualsSequentialRunAndAsksInBatches() {
    RunResult seq = base(new ScriptedLanguageModel(EvalFixtures::scriptedAnswer), 10).build().run();
    List<Integer> batchSizes = new ArrayList<>();
    ScriptedLanguageModel scripted = new ScriptedLanguageModel(EvalFixtures::scriptedAnswer);
    dev.medadapt.core.llm.LanguageModel batching = new dev.medadapt.core.llm.LanguageModel() {
      @Override
      public String name() {
        return scripted.name();
      }

      @Override
      public dev.medadapt.core.llm.Generation generate(String prompt, GenerationOptions options,
          java.util.function.Consumer<String> onText) {
        return scripted.generate(prompt, options, onText);
      }

      @Override
      public dev.medadapt.core.llm.Generation chat(List<dev.medadapt.core.llm.ChatMessage> messages,
          GenerationOptions options, java.util.function.Consumer<String> onText) {
        batchSizes.add(1);
        return scripted.chat(messages, options, onText);
      }

      @Override
      public List<dev.medadapt.core.llm.Generation> chatBatch(List<List<dev.medadapt.core.llm.ChatMessage>> conversations,
          GenerationOptions options) {
        batchSizes.add(conversations.size());
        return conversations.stream().map(c -> scripted.chat(c, options, t -> {})).toList();
      }

      @Override
      public void close() {}
    };
    RunResult batched = EvalRunner.builder().model(batching).promptFormat(EvalFixtures.format())
        .extractor(EvalFixtures.extractor()).options(GenerationOptions.greedy(64)).questions(EvalFixtures.questions(10))
        .outDir(tmp.resolve("batched")).batchSize(4).build().run();
    assertThat(batchSizes).containsExactly(4, 4, 2);
    assertThat(batched.records()).extracting(ItemRecord::questionId)
        .containsExactlyElementsOf(seq.records().stream().map(ItemRecord::questionId).toList());
    assertThat(batched.records()).extracting(ItemRecord::output)
        .containsExactlyElementsOf(seq.records().stream().map(ItemRecord::output).toList());
    assertThat(batched.correct()).isEqualTo(seq.correct());
    assertThat(RunLog.readDir(tmp.resolve("batched")).records()).hasSize(10);
    assertThatThrownBy(() -> base(scripted, 2).batchSize(0).build()).isInstanceOf(ConfigurationException.class);
  }

  @Test
  void parallelFailureKeepsFinishedItems() {
    ScriptedLanguageModel failing = new ScriptedLanguageModel(EvalFixtures::scriptedAnswer, 2, 10);
    assertThatThrownBy(() -> base(failing, 40).parallelism(3).build().run())
        .isInstanceOf(ModelServiceException.class)
        .hasMessage("scripted failure on call 10");
    int recorded = RunLog.readDir(tmp.resolve("run")).records().size();
    // calls 1..9 finished; calls already in flight on the other threads finish too (usually 2),
    // but no new item starts after the failure
    assertThat(recorded).isBetween(9, 39);
    ScriptedLanguageModel second = new ScriptedLanguageModel(EvalFixtures::scriptedAnswer);
    RunResult r = base(second, 40).parallelism(3).build().run();
    assertThat(second.calls()).isEqualTo(40 - recorded);
    assertThat(r.n()).isEqualTo(40);
    assertThat(r.resumed()).isEqualTo(recorded);
  }

  @Test
  void secondRunOnFinishedDirectoryAsksNothing() {
    base(new ScriptedLanguageModel(EvalFixtures::scriptedAnswer), 6).build().run();
    ScriptedLanguageModel again = new ScriptedLanguageModel(EvalFixtures::scriptedAnswer);
    RunResult r = base(again, 6).build().run();
    assertThat(again.calls()).isZero();
    assertThat(r.resumed()).isEqualTo(6);
    assertThat(r.n()).isEqualTo(6);
  }

  @Test
  void modelFailureKeepsFinishedItemsAndResumeCompletes() {
    assertThatThrownBy(() -> base(new ScriptedLanguageModel(EvalFixtures::scriptedAnswer, 0, 4), 8).build().run())
        .isInstanceOf(ModelServiceException.class);
    assertThat(RunLog.readDir(tmp.resolve("run")).records()).hasSize(3);
    ScriptedLanguageModel second = new ScriptedLanguageModel(EvalFixtures::scriptedAnswer);
    RunResult r = base(second, 8).build().run();
    assertThat(second.calls()).isEqualTo(5);
    assertThat(r.n()).isEqualTo(8);
  }

  @Test
  void refusesToResumeWithOtherSettings() {
    base(new ScriptedLanguageModel(EvalFixtures::scriptedAnswer), 4).build().run();
    assertThatThrownBy(
            () -> base(new ScriptedLanguageModel(EvalFixtures::scriptedAnswer), 4)
                .options(GenerationOptions.greedy(99)).build().run())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("holds a run with different settings: generation")
        .hasMessageContaining("\"max_new_tokens\":64");
  }

  @Test
  void retrievalSnippetsReachThePromptAndChangedPromptIsRefused() {
    List<String> prompts = new ArrayList<>();
    ScriptedLanguageModel m = new ScriptedLanguageModel(p -> { prompts.add(p); return EvalFixtures.scriptedAnswer(p); });
    base(m, 2).retrieval(q -> List.of("snippet for " + q.id()), "fixed").build().run();
    assertThat(prompts.get(1)).startsWith("Context: snippet for q1\n[id=q1]");
    // same settings, but the hook now returns different text: the recorded prompt no longer matches
    assertThatThrownBy(
            () -> base(new ScriptedLanguageModel(EvalFixtures::scriptedAnswer), 2)
                .retrieval(q -> List.of("other"), "fixed").build().run())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("item medqa/q0 was recorded with prompt hash")
        .hasMessageContaining("the prompt changed");
  }

  /** " alpha" -6.0 (-1.2/char), " beta" -5.5 (-1.375/char), " gamma" -7, " delta" -8. */
  private static double scriptedLl(dev.medadapt.core.llm.LoglikelihoodRequest r) {
    return switch (r.continuation()) {
      case " alpha" -> -6.0;
      case " beta" -> -5.5;
      case " gamma" -> -7.0;
      default -> -8.0;
    };
  }

  @Test
  void loglikelihoodModeRecordsAccOrAccNormAndResumes() throws Exception {
    ScriptedLanguageModel m = new ScriptedLanguageModel(p -> "unused").withLoglikelihood(EvalRunnerTest::scriptedLl);
    LoglikelihoodScorer scorer = new LoglikelihoodScorer(LoglikelihoodScorer.Choices.OPTION_TEXTS, 8);
    // acc picks B (highest sum), acc_norm picks A (highest per character); gold of q0..q3 is A, B, C, D
    RunResult acc = EvalRunner.builder().model(m).loglikelihood(scorer, false)
        .questions(EvalFixtures.questions(4)).outDir(tmp.resolve("acc")).build().run();
    assertThat(acc.records()).extracting(ItemRecord::extracted).containsOnly("B");
    assertThat(acc.correct()).isEqualTo(1);
    assertThat(acc.records().get(1).correct()).isTrue();
    assertThat(acc.records().get(0).mode()).isEqualTo("loglikelihood");
    var out = new com.fasterxml.jackson.databind.ObjectMapper().readTree(acc.records().get(0).output());
    assertThat(out.get("loglikelihoods").get(1).asDouble()).isEqualTo(-5.5);
    assertThat(out.get("acc_norm_pred").asText()).isEqualTo("A");

    RunResult norm = EvalRunner.builder().model(m).loglikelihood(scorer, true)
        .questions(EvalFixtures.questions(4)).outDir(tmp.resolve("norm")).build().run();
    assertThat(norm.records()).extracting(ItemRecord::extracted).containsOnly("A");
    assertThat(norm.records().get(0).correct()).isTrue();
    assertThat(RunMetadata.read(tmp.resolve("norm")).mode()).isEqualTo("loglikelihood-norm");
    assertThat(RunMetadata.read(tmp.resolve("norm")).promptFormat()).isEqualTo("lmeval");

    int calls = m.calls();
    RunResult again = EvalRunner.builder().model(m).loglikelihood(scorer, true)
        .questions(EvalFixtures.questions(4)).outDir(tmp.resolve("norm")).build().run();
    assertThat(m.calls()).isEqualTo(calls);
    assertThat(again.resumed()).isEqualTo(4);

    assertThatThrownBy(() -> EvalRunner.builder().model(new ScriptedLanguageModel(p -> "x")).loglikelihood(scorer, false)
            .questions(EvalFixtures.questions(1)).outDir(tmp.resolve("x")).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("scripted does not support log-likelihood scoring");
  }

  @Test
  void loglikelihoodModeScoresWithRetrievedContextAndHashesIt() {
    // The scripted model prefers the letter named in the context's first snippet, and otherwise "A".
    ScriptedLanguageModel m = new ScriptedLanguageModel(p -> "unused").withLoglikelihood(r -> {
      int at = r.context().indexOf("Context: evidence for ");
      String preferred = at < 0 ? "A" : r.context().substring(at + 22, at + 23);
      return r.continuation().equals(" " + preferred) ? -1.0 : -3.0;
    });
    LoglikelihoodScorer scorer = new LoglikelihoodScorer(LoglikelihoodScorer.Choices.LETTERS, 1);
    List<Question> qs = EvalFixtures.questions(4); // gold A, B, C, D
    RunResult plain = EvalRunner.builder().model(m).loglikelihood(scorer, false)
        .questions(qs).outDir(tmp.resolve("plain")).build().run();
    assertThat(plain.correct()).isEqualTo(1);
    RunResult rag = EvalRunner.builder().model(m).loglikelihood(scorer, false)
        .retrieval(q -> List.of("evidence for " + q.answer()), "gold letter")
        .questions(qs).outDir(tmp.resolve("rag")).build().run();
    assertThat(rag.correct()).isEqualTo(4);
    assertThat(rag.records().get(0).promptHash()).isNotEqualTo(plain.records().get(0).promptHash());
    // the context is part of the recorded hash: other snippets under the same description are refused
    assertThatThrownBy(() -> EvalRunner.builder().model(m).loglikelihood(scorer, false)
            .retrieval(q -> List.of("other"), "gold letter").questions(qs).outDir(tmp.resolve("rag")).build().run())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("the prompt changed");
  }

  @Test
  void builderValidates() {
    assertThatThrownBy(() -> EvalRunner.builder().build())
        .isInstanceOf(ConfigurationException.class).hasMessage("model must be set");
    List<Question> dup = new ArrayList<>(EvalFixtures.questions(2));
    dup.add(dup.get(0));
    assertThatThrownBy(() -> base(new ScriptedLanguageModel(EvalFixtures::scriptedAnswer), 2).questions(dup).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("questions contain medqa/q0 twice");
  }
}
