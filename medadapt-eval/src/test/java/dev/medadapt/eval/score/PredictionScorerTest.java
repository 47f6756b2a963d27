package dev.medadapt.eval.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.eval.bench.BenchmarkLoaders;
import dev.medadapt.eval.bench.Question;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionScorerTest {
  @TempDir Path tmp;

  private static final Path COMPAT = TestResources.testdata("eval/mirage_compat");

  private static List<Question> medqa() {
    return BenchmarkLoaders.forName("mirage:medqa").load(COMPAT.resolve("benchmark.json"));
  }

  /**
   * 17 hand-made predictions covering each locate_answer branch, the default "A" (3 times, once
   * landing on a correct "A"), an empty response list, several answer_choice markers, several
   * responses and Python whitespace. By hand: correct = 0000, 0001, 0003, 0004, 0006, 0007, 0008,
   * 0010 (default A), 0013, 0014, 0015 = 11 of 17 = 0.6471 (MIRAGE's evaluate.py prints 0.6471).
   */
  @Test
  void mirageModeReproducesMirageAccuracyOnHandMadeFolder() {
    PredictionScorer s = new PredictionScorer(new MirageExtractor(), "mirage");
    ScoreReport r = s.score("medqa", medqa(), Predictions.read(COMPAT.resolve("prediction/medqa/cot/test-llm")));
    assertThat(r.n()).isEqualTo(17);
    assertThat(r.correct()).isEqualTo(11);
    assertThat(String.format("%.4f", r.accuracy())).isEqualTo("0.6471");
    assertThat(r.defaulted()).isEqualTo(3);
    assertThat(r.empty()).isEqualTo(1);
    assertThat(r.missing()).isZero();
    assertThat(r.unparsed()).isZero();
    assertThat(r.items().stream().filter(ScoredItem::correct).map(ScoredItem::id).toList())
        .containsExactly("0000", "0001", "0003", "0004", "0006", "0007", "0008", "0010", "0013", "0014", "0015");
    // the same predictions as JSONL give the same result
    ScoreReport j = s.score("medqa", medqa(), Predictions.read(COMPAT.resolve("medqa_predictions.jsonl")));
    assertThat(j.correct()).isEqualTo(11);
    // medmcqa uses dev_<id>.json files: 1 of 2 (the other falls to the default A, answer C)
    List<Question> mc = BenchmarkLoaders.forName("mirage:medmcqa").load(COMPAT.resolve("benchmark.json"));
    ScoreReport m = s.score("medmcqa", mc, Predictions.read(COMPAT.resolve("prediction/medmcqa/cot/test-llm")));
    assertThat(m.accuracy()).isEqualTo(0.5);
  }

  @Test
  void reasoningModeCountsUnparsedInsteadOfDefaulting() {
    ScoreReport r = new PredictionScorer(new ReasoningExtractor(), "reasoning")
        .score("medqa", medqa(), Predictions.read(COMPAT.resolve("prediction/medqa/cot/test-llm")));
    // "I cannot decide", "Unclear" and "Option b"... are UNPARSED, not "A"
    assertThat(r.items().get(10).status()).isEqualTo(ScoredItem.Status.UNPARSED);
    assertThat(r.items().get(11).status()).isEqualTo(ScoredItem.Status.UNPARSED);
    assertThat(r.defaulted()).isZero();
    assertThat(r.unparsed()).isGreaterThanOrEqualTo(2);
    assertThat(r.correct() + r.unparsed() + r.empty()).isLessThanOrEqualTo(r.n());
  }

  @Test
  void missingAndUnknownIdsAreCountedAndGzipIsRead() throws IOException {
    Path gz = tmp.resolve("p.jsonl.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
      o.write(("{\"id\": \"0001\", \"output\": \"Answer: C\"}\n"
          + "{\"id\": \"0002\", \"responses\": [\"The answer is A\", \"B\"]}\n"
          + "{\"id\": \"9999\", \"output\": \"A\"}\n").getBytes(StandardCharsets.UTF_8));
    }
    ScoreReport r = new PredictionScorer(new ReasoningExtractor(), "reasoning").score("medqa", medqa(), Predictions.read(gz));
    assertThat(r.n()).isEqualTo(17);
    assertThat(r.correct()).isEqualTo(2);
    assertThat(r.missing()).isEqualTo(15);
    assertThat(r.unknownIds()).isEqualTo(1);
    assertThat(r.unknownIdExamples()).containsExactly("9999");
    // Wilson 95% for 2/17
    assertThat(r.ciLow()).isCloseTo(0.0329, within(1e-4));
    assertThat(r.ciHigh()).isCloseTo(0.3433, within(1e-4));
  }

  @Test
  void badPredictionFilesNameFileAndLine() throws IOException {
    Path dup = tmp.resolve("dup.jsonl");
    Files.writeString(dup, "{\"id\": 1, \"output\": \"A\"}\n{\"id\": \"1\", \"output\": \"B\"}\n");
    assertThatThrownBy(() -> Predictions.read(dup))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("dup.jsonl:2: duplicate prediction for id \"1\"");
    Path both = tmp.resolve("both.jsonl");
    Files.writeString(both, "{\"id\": 1, \"output\": \"A\", \"responses\": []}\n");
    assertThatThrownBy(() -> Predictions.read(both)).hasMessageContaining("both.jsonl:1: a prediction needs exactly one");
    Path noId = tmp.resolve("noid.jsonl");
    Files.writeString(noId, "{\"output\": \"A\"}\n");
    assertThatThrownBy(() -> Predictions.read(noId)).hasMessageContaining("noid.jsonl:1: field 'id'");
    Path notStr = tmp.resolve("ns.jsonl");
    Files.writeString(notStr, "{\"id\": 3, \"responses\": [1]}\n");
    assertThatThrownBy(() -> Predictions.read(notStr)).hasMessageContaining("ns.jsonl:1: field 'responses'[0]");
    // a folder above the runs: found by dataset when unique
    assertThat(Predictions.read(COMPAT.resolve("prediction"), "medqa").responses()).hasSize(17);
    assertThat(Predictions.read(COMPAT.resolve("prediction"), "medmcqa").responses()).hasSize(2);
    assertThatThrownBy(() -> Predictions.read(COMPAT.resolve("prediction"), "bioasq"))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("several prediction folders");
    Path emptyDir = Files.createDirectory(tmp.resolve("empty"));
    assertThatThrownBy(() -> Predictions.read(emptyDir)).hasMessageContaining("no MIRAGE prediction files");
  }
}
