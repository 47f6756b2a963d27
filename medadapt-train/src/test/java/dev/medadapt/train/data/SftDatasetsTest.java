package dev.medadapt.train.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftDatasetsTest {
  @TempDir Path tmp;

  @Test
  void medicalO1ReferenceTemplateIsExact() {
    List<SftExample> rows = SftDatasets.medicalO1(TestResources.testdata("train/medical_o1_sample.jsonl"));
    assertThat(rows).hasSize(2);
    SftExample ex = rows.get(0);
    assertThat(ex.prompt() + ex.completion())
        .isEqualTo(
            "Below is an instruction that describes a task, paired with an input that provides further context. "
                + "Write a response that appropriately completes the request. Before answering, think carefully about"
                + " the question and create a step-by-step chain of thoughts to ensure a logical and accurate response."
                + "\n\n### Instruction:\nYou are a medical expert with advanced knowledge in clinical reasoning,"
                + " diagnostics, and treatment planning. Please answer the following medical question."
                + "\n\n### Question:\nWhich vitamin deficiency causes scurvy?\n### Response:\n<think>\n"
                + "Collagen synthesis needs ascorbic acid.\n</think>\nVitamin C.");
    assertThat(ex.prompt()).endsWith("### Response:\n");
    assertThat(ex.completion()).startsWith("<think>\n");
    assertThat(ex.source()).endsWith("medical_o1_sample.jsonl:1");
    // a blank line is skipped, but line numbers stay true to the file
    assertThat(rows.get(1).source()).endsWith("medical_o1_sample.jsonl:3");
  }

  @Test
  void jsonArrayAndJsonlGiveLineNumbers() {
    List<SftExample> rows = SftDatasets.medicalO1(TestResources.testdata("train/medical_o1_sample.json"));
    assertThat(rows).extracting(SftExample::source).allMatch(s -> s.matches(".*medical_o1_sample.json:\\d+"));
    assertThat(rows.get(0).source()).endsWith(":2");
    assertThat(rows.get(1).source()).endsWith(":7");
    assertThat(rows.get(1).completion()).endsWith("Vitamin C.");
  }

  @Test
  void missingFieldNamesFileLineAndField() {
    Path f = TestResources.testdata("train/medical_o1_missing_field.jsonl");
    assertThatThrownBy(() -> SftDatasets.medicalO1(f))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("medical_o1_missing_field.jsonl:2")
        .hasMessageContaining("Complex_CoT");
  }

  @Test
  void invalidJsonNamesLine() throws Exception {
    Path f = tmp.resolve("bad.jsonl");
    Files.writeString(f, "{\"a\": \"b\"}\n{\"a\": \n");
    assertThatThrownBy(() -> SftDatasets.instruction(f, SftTemplate.of("{a}", "{a}"), Map.of()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("bad.jsonl:2");
    Path arr = tmp.resolve("bad.json");
    Files.writeString(arr, "[\n {\"a\": \"b\"},\n 3\n]");
    assertThatThrownBy(() -> SftDatasets.instruction(arr, SftTemplate.of("{a}", "{a}"), Map.of()))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("bad.json:3");
    assertThatThrownBy(() -> SftDatasets.medicalO1(tmp.resolve("absent.jsonl")))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("absent.jsonl");
  }

  @Test
  void emptyDataFileNamesTheFile() throws Exception {
    for (String content : new String[] {"", "\n  \n\n", "  []  "}) {
      Path f = tmp.resolve("empty.jsonl");
      Files.writeString(f, content);
      assertThatThrownBy(() -> SftDatasets.medicalO1(f))
          .isInstanceOf(DataFormatException.class)
          .hasMessageStartingWith(f + ": no rows: the data file is empty");
      assertThatThrownBy(() -> CorpusReader.medRag(f))
          .isInstanceOf(DataFormatException.class)
          // a MedRAG corpus is JSON Lines only: "[]" is a bad first row, not an empty array
          .hasMessageStartingWith(content.contains("[") ? f + ":1: " : f + ": no rows");
    }
    assertThatThrownBy(() -> SftDatasets.medicalO1(tmp))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(tmp + ": is a folder; expected a JSONL file or a JSON array file");
  }

  @Test
  void instructionWithFieldMappingAndEscapedBraces() throws Exception {
    Path f = tmp.resolve("inst.jsonl");
    Files.writeString(f, "{\"instruction\": \"Name it\", \"output\": \"ECG\", \"topic\": \"cardio\"}\n");
    SftTemplate t = SftTemplate.of("[{topic}] {{q}}: {q}\n", "{a}");
    List<SftExample> rows = SftDatasets.instruction(f, t, Map.of("q", "instruction", "a", "output"));
    assertThat(rows.get(0).prompt()).isEqualTo("[cardio] {q}: Name it\n");
    assertThat(rows.get(0).completion()).isEqualTo("ECG");
    assertThat(t.fields()).containsExactlyInAnyOrder("topic", "q", "a");
  }

  @Test
  void unbalancedBraceIsAConfigurationError() {
    assertThatThrownBy(() -> SftTemplate.of("Q: {q", "{a}"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("unmatched brace");
  }

  @Test
  void chatRowsSplitAtTheLastAssistantTurn() {
    ChatRenderer chatml =
        (msgs, gen) ->
            msgs.stream()
                    .map(m -> "<|im_start|>" + m.role().wireName() + "\n" + m.content() + "<|im_end|>\n")
                    .collect(Collectors.joining())
                + (gen ? "<|im_start|>assistant\n" : "");
    List<SftExample> rows = SftDatasets.chat(TestResources.testdata("train/chat_sample.jsonl"), chatml);
    assertThat(rows.get(0).prompt())
        .isEqualTo(
            "<|im_start|>system\nYou are a careful clinician.<|im_end|>\n<|im_start|>user\nWhat causes scurvy?"
                + "<|im_end|>\n<|im_start|>assistant\n");
    assertThat(rows.get(0).completion()).isEqualTo("Lack of vitamin C.<|im_end|>\n");
    ChatRenderer rewriting = (msgs, gen) -> gen ? "X" : "Y";
    assertThatThrownBy(() -> SftDatasets.chat(TestResources.testdata("train/chat_sample.jsonl"), rewriting))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("chat_sample.jsonl:1");
  }

  @Test
  void chatRowMustEndWithAssistant() throws Exception {
    Path f = tmp.resolve("c.jsonl");
    Files.writeString(f, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
    assertThatThrownBy(() -> SftDatasets.chat(f, (m, g) -> ""))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("c.jsonl:1")
        .hasMessageContaining("assistant");
    Files.writeString(f, "{\"messages\": [{\"role\": \"doctor\", \"content\": \"hi\"}]}\n");
    assertThatThrownBy(() -> SftDatasets.chat(f, (m, g) -> ""))
        .hasMessageContaining("messages[0]")
        .hasMessageContaining("doctor");
    assertThat(ChatMessage.Role.ASSISTANT.wireName()).isEqualTo("assistant");
  }

  @Test
  void medRagCorpusTextIsMedRagsContentsDerivedByRagsReader() {
    List<String> docs = CorpusReader.medRag(TestResources.testdata("train/medrag_sample.jsonl"));
    assertThat(docs)
        .containsExactly(
            "Scurvy. Scurvy is caused by a lack of vitamin C.",
            "Metformin. Metformin is a first-line drug for type 2 diabetes.");
  }
}
