package dev.medadapt.cli;

import dev.medadapt.core.testing.ScriptedLanguageModel;
import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.eval.bench.BenchmarkLoaders;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.bench.Subsets;
import dev.medadapt.eval.run.ItemRecord;
import dev.medadapt.eval.run.RunLog;
import dev.medadapt.eval.run.RunMetadata;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code eval} on the real benchmark files in the standard data layout (needs
 * {@code -Dmedadapt.data=PATH}), with a model that always answers "A": the run must hold exactly
 * the seeded 200-question subsets and score them against the gold letters.
 */
class EvalCliIT {
  @TempDir Path tmp;

  @Test
  void fourBenchmarksFromStandardLayout() {
    Path data = TestResources.sharedData("medqa_us").getParent();
    LanguageModel alwaysA = ScriptedLanguageModel.builder().name("always-A").reply(p -> "<think>x</think>The answer is A.").build();
    EvalCommand cmd = new EvalCommand();
    CommandLine cl = new CommandLine(cmd);
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(new StringWriter()));
    Path run = tmp.resolve("always-a");
    cl.parseArgs("--openai-url", "http://unused", "--benchmarks", "medqa,medmcqa,mmlu,pubmedqa", "--data", data.toString(),
        "--n", "200", "--seed", "4242", "--bootstrap", "1000", "--no-progress", "--out", run.toString());
    assertThat(cmd.run(alwaysA, cmd.loadQuestions(cmd.data))).isZero();

    List<ItemRecord> records = RunLog.readDir(run).records();
    assertThat(records).hasSize(800);
    for (String b : List.of("medqa", "medmcqa", "mmlu", "pubmedqa")) {
      Path file = data.resolve(switch (b) {
        case "medqa" -> "medqa_us/phrases_no_exclude_test.jsonl";
        case "medmcqa" -> "medmcqa/dev.json";
        case "mmlu" -> "mmlu_medical";
        default -> "pubmedqa";
      });
      List<Question> expected = Subsets.shuffled(BenchmarkLoaders.forName(b).load(file), 4242, 200);
      List<ItemRecord> got = records.stream().filter(r -> r.benchmark().equals(b)).toList();
      assertThat(got).extracting(ItemRecord::questionId).containsExactlyElementsOf(expected.stream().map(Question::id).toList());
      long goldA = expected.stream().filter(q -> q.answer().equals("A")).count();
      assertThat(got.stream().filter(ItemRecord::correct).count()).isEqualTo(goldA);
    }
    assertThat(RunMetadata.read(run).questions()).containsEntry("medqa", 200).containsEntry("pubmedqa", 200);
    assertThat(out.toString()).contains("| always-a | all | 800 |");
  }
}
