package dev.medadapt.eval.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.ModelServiceException;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.score.MultipleChoiceScorer;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.eval.testing.EvalFixtures;
import dev.medadapt.core.testing.ScriptedLanguageModel;
import java.nio.file.Path;
import java.time.Duration;
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
    RunResult r = base(ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer), 10).progress(seen::add).build().run();
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
    RunResult seq = base(ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer), 30).build().run();
    ScriptedLanguageModel m = ScriptedLanguageModel.builder().reply(EvalFixtures::scriptedAnswer).latency(Duration.ofMillis(5)).failOnCall(-1).build();
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
    RunResult seq = base(ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer), 10).build().run();
    List<Integer> batchSizes = new ArrayList<>();
    ScriptedLanguageModel scripted = ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer);
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
    ScriptedLanguageModel failing = ScriptedLanguageModel.builder().reply(EvalFixtures::scriptedAnswer).latency(Duration.ofMillis(2)).failOnCall(10).build();
    assertThatThrownBy(() -> base(failing, 40).parallelism(3).build().run())
        .isInstanceOf(ModelServiceException.class)
        .hasMessage("scripted: scripted failure on call 10");
    int recorded = RunLog.readDir(tmp.resolve("run")).records().size();
    // calls 1..9 finished; calls already in flight on the other threads finish too (usually 2),
    // but no new item starts after the failure
    assertThat(recorded).isBetween(9, 39);
    ScriptedLanguageModel second = ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer);
    RunResult r = base(second, 40).parallelism(3).build().run();
    assertThat(second.calls()).isEqualTo(40 - recorded);
    assertThat(r.n()).isEqualTo(40);
    assertThat(r.resumed()).isEqualTo(recorded);
  }

  @Test
  void secondRunOnFinishedDirectoryAsksNothing() {
    base(ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer), 6).build().run();
    ScriptedLanguageModel again = ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer);
    RunResult r = base(again, 6).build().run();
    assertThat(again.calls()).isZero();
    assertThat(r.resumed()).isEqualTo(6);
    assertThat(r.n()).isEqualTo(6);
  }

  @Test
  void modelFailureKeepsFinishedItemsAndResumeCompletes() {
    assertThatThrownBy(() -> base(ScriptedLanguageModel.builder().reply(EvalFixtures::scriptedAnswer).latency(Duration.ofMillis(0)).failOnCall(4).build(), 8).build().run())
        .isInstanceOf(ModelServiceException.class);
    assertThat(RunLog.readDir(tmp.resolve("run")).records()).hasSize(3);
    ScriptedLanguageModel second = ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer);
    RunResult r = base(second, 8).build().run();
    assertThat(second.calls()).isEqualTo(5);
    assertThat(r.n()).isEqualTo(8);
  }

  @Test
  void refusesToResumeWithOtherSettings() {
    base(ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer), 4).build().run();
    assertThatThrownBy(
            () -> base(ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer), 4)
                .options(GenerationOptions.greedy(99)).build().run())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("holds a run with different settings: generation")
        .hasMessageContaining("\"max_new_tokens\":64");
  }

  @Test
  void retrievalSnippetsReachThePromptAndChangedPromptIsRefused() {
    List<String> prompts = new ArrayList<>();
    ScriptedLanguageModel m = ScriptedLanguageModel.replying(p -> { prompts.add(p); return EvalFixtures.scriptedAnswer(p); });
    base(m, 2).retriever((query, k) -> List.of(new Hit("d", "T", "snippet for " + query, 1)), 1, "fixed").build().run();
    assertThat(prompts.get(1)).startsWith("Context: (Title: T) snippet for Question number 1?\n[id=q1]");
    // same settings, but the hook now returns different text: the recorded prompt no longer matches
    assertThatThrownBy(
            () -> base(ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer), 2)
                .retriever((query, k) -> List.of(new Hit("d", "T", "other", 1)), 1, "fixed").build().run())
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
    ScriptedLanguageModel m = ScriptedLanguageModel.builder().reply(p -> "unused").loglikelihood(EvalRunnerTest::scriptedLl).build();
    // acc picks B (highest sum), acc_norm picks A (highest per character); gold of q0..q3 is A, B, C, D
    RunResult acc = EvalRunner.builder().model(m).scoring(ScoringMode.LOGLIKELIHOOD)
        .choices(MultipleChoiceScorer.Choices.OPTION_TEXTS).questions(EvalFixtures.questions(4)).outDir(tmp.resolve("acc")).build().run();
    assertThat(acc.records()).extracting(ItemRecord::extracted).containsOnly("B");
    assertThat(acc.correct()).isEqualTo(1);
    assertThat(acc.records().get(1).correct()).isTrue();
    assertThat(acc.records().get(0).mode()).isEqualTo("loglikelihood");
    var out = new com.fasterxml.jackson.databind.ObjectMapper().readTree(acc.records().get(0).output());
    assertThat(out.get("loglikelihoods").get(1).asDouble()).isEqualTo(-5.5);
    assertThat(out.get("acc_norm_pred").asText()).isEqualTo("A");

    RunResult norm = EvalRunner.builder().model(m).scoring(ScoringMode.LOGLIKELIHOOD_NORM)
        .choices(MultipleChoiceScorer.Choices.OPTION_TEXTS).questions(EvalFixtures.questions(4)).outDir(tmp.resolve("norm")).build().run();
    assertThat(norm.records()).extracting(ItemRecord::extracted).containsOnly("A");
    assertThat(norm.records().get(0).correct()).isTrue();
    assertThat(RunMetadata.read(tmp.resolve("norm")).mode()).isEqualTo("loglikelihood-norm");
    assertThat(RunMetadata.read(tmp.resolve("norm")).promptFormat()).isEqualTo("lmeval");

    int calls = m.calls();
    RunResult again = EvalRunner.builder().model(m).scoring(ScoringMode.LOGLIKELIHOOD_NORM)
        .choices(MultipleChoiceScorer.Choices.OPTION_TEXTS).questions(EvalFixtures.questions(4)).outDir(tmp.resolve("norm")).build().run();
    assertThat(m.calls()).isEqualTo(calls);
    assertThat(again.resumed()).isEqualTo(4);

    assertThatThrownBy(() -> EvalRunner.builder().model(ScriptedLanguageModel.replying(p -> "x")).scoring(ScoringMode.LOGLIKELIHOOD)
            .questions(EvalFixtures.questions(1)).outDir(tmp.resolve("x")).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("scripted does not support log-likelihood scoring");
  }

  @Test
  void loglikelihoodModeScoresWithRetrievedContextAndHashesIt() {
    // The scripted model prefers the letter named in the context's first snippet, and otherwise "A".
    ScriptedLanguageModel m = ScriptedLanguageModel.builder().reply(p -> "unused").loglikelihood(r -> {
      int at = r.context().indexOf("Context: (Title: ) evidence for ");
      String preferred = at < 0 ? "A" : r.context().substring(at + 32, at + 33);
      return r.continuation().equals(" " + preferred) ? -1.0 : -3.0;
    }).build();
    List<Question> qs = EvalFixtures.questions(4); // gold A, B, C, D
    RunResult plain = EvalRunner.builder().model(m).scoring(ScoringMode.LOGLIKELIHOOD)
        .questions(qs).outDir(tmp.resolve("plain")).build().run();
    assertThat(plain.correct()).isEqualTo(1);
    RunResult rag = EvalRunner.builder().model(m).scoring(ScoringMode.LOGLIKELIHOOD)
        .retriever(goldLetter(qs), 1, "gold letter")
        .questions(qs).outDir(tmp.resolve("rag")).build().run();
    assertThat(rag.correct()).isEqualTo(4);
    assertThat(rag.records().get(0).promptHash()).isNotEqualTo(plain.records().get(0).promptHash());
    // the context is part of the recorded hash: other snippets under the same description are refused
    assertThatThrownBy(() -> EvalRunner.builder().model(m).scoring(ScoringMode.LOGLIKELIHOOD)
            .retriever((query, k) -> List.of(new Hit("d", null, "other", 1)), 1, "gold letter").questions(qs).outDir(tmp.resolve("rag")).build().run())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("the prompt changed");
  }

  /** A retriever whose one hit names the gold letter of the question asked. */
  private static dev.medadapt.rag.retrieve.Retriever goldLetter(List<Question> qs) {
    return (query, k) -> qs.stream().filter(q -> q.question().equals(query))
        .map(q -> new Hit(q.id(), null, "evidence for " + q.answer(), 1)).toList();
  }

  @Test
  void runnerDrawsTheSeededSubsetPerBenchmark() {
    List<Question> all = EvalFixtures.questions(20); // 10 medqa, 10 pubmedqa
    RunResult r = base(ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer), 20).subset(7, 3)
        .outDir(tmp.resolve("subset")).build().run();
    List<String> expected = new ArrayList<>();
    for (String b : List.of("medqa", "pubmedqa")) {
      dev.medadapt.eval.bench.Subsets.shuffled(all.stream().filter(q -> q.benchmark().equals(b)).toList(), 7, 3)
          .forEach(q -> expected.add(q.benchmark() + "/" + q.id()));
    }
    assertThat(r.records()).extracting(x -> x.benchmark() + "/" + x.questionId()).containsExactlyElementsOf(expected);
    RunMetadata meta = RunMetadata.read(tmp.resolve("subset"));
    assertThat(meta.seed()).isEqualTo(7);
    assertThat(meta.n()).isEqualTo(3);
    assertThatThrownBy(() -> base(ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer), 4).subset(7, -1))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("subset size");
  }

  @Test
  void scoringModeNamesAreParsedWithANamedError() {
    assertThat(ScoringMode.forName("loglikelihood-norm")).isEqualTo(ScoringMode.LOGLIKELIHOOD_NORM);
    assertThat(ScoringMode.forName("Generate")).isEqualTo(ScoringMode.GENERATE);
    assertThatThrownBy(() -> ScoringMode.forName("acc")).isInstanceOf(ConfigurationException.class)
        .hasMessage("scoring mode must be generate, loglikelihood or loglikelihood-norm, was \"acc\"");
  }

  @Test
  void builderValidates() {
    assertThatThrownBy(() -> EvalRunner.builder().build())
        .isInstanceOf(ConfigurationException.class).hasMessage("model must be set");
    List<Question> dup = new ArrayList<>(EvalFixtures.questions(2));
    dup.add(dup.get(0));
    assertThatThrownBy(() -> base(ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer), 2).questions(dup).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("questions contain medqa/q0 twice");
  }
}
