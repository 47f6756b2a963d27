package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.testing.TestResources;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LogitsCommandTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    CommandLine cl = MedAdaptCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void printsOneJsonObjectMatchingTheReference() throws Exception {
    Path dir = TestResources.tinyModel("qwen2-tiny-bf16-tied");
    JsonNode ref = new ObjectMapper().readTree(dir.resolve("expected_logits.json").toFile());
    StringBuilder ids = new StringBuilder();
    for (JsonNode id : ref.get("input_ids")) {
      ids.append(ids.length() == 0 ? "" : ",").append(id.asLong());
    }
    Run r = run("logits", "--model", dir.toString(), "--ids", ids.toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode got = new ObjectMapper().readTree(r.out()); // the whole stdout is one JSON value
    assertThat(got.fieldNames()).toIterable().containsExactly("input_ids", "logits");
    assertThat(got.get("input_ids")).isEqualTo(ref.get("input_ids"));
    JsonNode gl = got.get("logits");
    JsonNode rl = ref.get("logits");
    assertThat(gl.size()).isEqualTo(rl.size());
    double maxDiff = 0;
    double maxRef = 0;
    for (int i = 0; i < rl.size(); i++) {
      assertThat(gl.get(i).size()).isEqualTo(256);
      for (int j = 0; j < rl.get(i).size(); j++) {
        maxDiff = Math.max(maxDiff, Math.abs(gl.get(i).get(j).asDouble() - rl.get(i).get(j).asDouble()));
        maxRef = Math.max(maxRef, Math.abs(rl.get(i).get(j).asDouble()));
      }
    }
    assertThat(maxDiff / maxRef).isLessThanOrEqualTo(1e-4);
  }

  @Test
  void badIdsAndMissingModelAreClearErrors(@org.junit.jupiter.api.io.TempDir Path empty) {
    Path dir = TestResources.tinyModel("qwen2-tiny-f32");
    Run bad = run("logits", "--model", dir.toString(), "--ids", "1,x,3");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).startsWith("error: ").contains("\"x\"");
    assertThat(bad.out()).isEmpty();
    Run range = run("logits", "--model", dir.toString(), "--ids", "1,999");
    assertThat(range.code()).isEqualTo(1);
    assertThat(range.err()).contains("999").contains("[0, 256)");
    Run missing = run("logits", "--model", empty.toString(), "--ids", "1");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains(empty.resolve("config.json").toString());
    assertThat(missing.out()).isEmpty();
  }
}
