package dev.medadapt.eval.run;

import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.eval.testing.EvalFixtures;
import dev.medadapt.core.testing.ScriptedLanguageModel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Child JVM for {@link KillAndResumeTest}: runs {@code n} scripted questions into {@code outDir},
 * sleeping {@code sleepMillis} per item, and prints "n correct unparsed" when it finishes.
 */
public final class ResumeChild {
  private ResumeChild() {}

  public static void main(String[] args) {
    Path out = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    long sleep = Long.parseLong(args[2]);
    RunResult r = runner(out, n, ScriptedLanguageModel.builder().reply(EvalFixtures::scriptedAnswer).latency(Duration.ofMillis(sleep)).failOnCall(-1).build()).run();
    System.out.println(r.n() + " " + r.correct() + " " + r.unparsed());
  }

  static EvalRunner runner(Path out, int n, ScriptedLanguageModel model) {
    return EvalRunner.builder()
        .model(model)
        .promptFormat(EvalFixtures.format())
        .extractor(EvalFixtures.extractor())
        .options(GenerationOptions.greedy(64))
        .questions(EvalFixtures.questions(n))
        .subset(4242, n)
        .outDir(out)
        .build();
  }
}
