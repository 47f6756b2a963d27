package dev.medadapt.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.testing.TestResources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs LangChain4jExample on the embedded default (tiny ONNX encoder for speed) and checks what it wrote. */
class LangChain4jExampleTest {
  @TempDir Path tmp;

  @Test
  void assistantAndRagPipelinePromptWithTheSamePassages() throws Exception {
    Path out = tmp.resolve("lc4j");
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      LangChain4jExample.main(new String[] {"--out", out.toString(), "--embedder", TestResources.testdata("rag/tiny-encoder").toString()});
    } finally {
      System.setOut(saved);
    }
    String stdout = buf.toString(StandardCharsets.UTF_8);
    saved.print(stdout);
    JsonNode a = new ObjectMapper().readTree(out.resolve("answer.json").toFile());
    assertThat(a.get("same_prompt").asBoolean()).isTrue();
    assertThat(a.get("snippet_ids")).hasSize(3);
    assertThat(a.get("langchain4j_answer").asText()).isEqualTo(a.get("rag_pipeline_answer").asText());
    for (JsonNode id : a.get("snippet_ids")) {
      assertThat(stdout).contains(id.asText());
    }
    assertThat(a.get("langchain4j_user_message").asText()).startsWith("Based on the following retrieved documents");
    assertThat(stdout).contains("Same prompt: true");
  }
}
