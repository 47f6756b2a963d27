package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.testing.TestResources;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ScoreCommandTest {
  private static final Path T = TestResources.testdata("eval/mirage_compat");

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = MedAdaptCli.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void mirageCompatJsonOnMirageFolder() throws Exception {
    Run r = run("score", "--data", T.resolve("benchmark.json").toString(), "--dataset", "medqa",
        "--predictions", T.resolve("prediction/medqa/cot/test-llm").toString(), "--compat", "mirage", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode o = new ObjectMapper().readTree(r.out());
    assertThat(o.get("dataset").asText()).isEqualTo("medqa");
    assertThat(o.get("n").asInt()).isEqualTo(17);
    assertThat(o.get("correct").asInt()).isEqualTo(11);
    assertThat(String.format("%.4f", o.get("accuracy").asDouble())).isEqualTo("0.6471");
    assertThat(o.get("unparsed").asInt()).isZero();
    assertThat(o.get("mirage_default_a").asInt()).isEqualTo(3);
    assertThat(o.get("ci_low").asDouble()).isBetween(0.41, 0.42);
    assertThat(o.get("ci_high").asDouble()).isBetween(0.82, 0.83);
  }

  @Test
  void defaultModeReportsUnparsedOnTheirOwnLines() {
    Run r = run("score", "--data", T.resolve("benchmark.json").toString(), "--dataset", "medqa",
        "--predictions", T.resolve("medqa_predictions.jsonl").toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("extractor reasoning").contains("UNPARSED  0010: no-answer-found")
        .doesNotContain("default-A");
  }

  @Test
  void badDatasetIsAnErrorMessage() {
    Run r = run("score", "--data", T.resolve("benchmark.json").toString(), "--dataset", "usmle",
        "--predictions", T.resolve("medqa_predictions.jsonl").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: ").contains("dataset must be one of");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void contaminationCommandJson(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path train = tmp.resolve("train.jsonl");
    // question 0000 of the compat benchmark is "Question 0?": 2 tokens, so use n = 2
    java.nio.file.Files.writeString(train, "{\"text\": \"see question 0 and question 16\"}\n");
    Run r = run("contamination", "--train", train.toString(), "--n", "2", "--json",
        "--benchmarks", "medqa=" + T.resolve("benchmark.json"));
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode o = new ObjectMapper().readTree(r.out());
    JsonNode b = o.get("benchmarks").get(0);
    assertThat(b.get("benchmark").asText()).isEqualTo("medqa");
    assertThat(b.get("questions").asInt()).isEqualTo(17);
    assertThat(b.get("contaminated").asInt()).isEqualTo(2);
    assertThat(b.get("example_ids")).extracting(JsonNode::asText).containsExactly("0000", "0016");
  }
}
