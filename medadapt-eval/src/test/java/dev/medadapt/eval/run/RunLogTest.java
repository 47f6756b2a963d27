package dev.medadapt.eval.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.llm.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLogTest {
  @TempDir Path tmp;

  private static ItemRecord rec(String id, boolean correct) {
    return new ItemRecord(id, "medqa", "h" + id, "generate", "out\n\"quoted\" é", correct ? "B" : "C", "answer-is", "B", correct, 12);
  }

  @Test
  void writesAndReadsBackExactly() {
    Path f = tmp.resolve("records.jsonl");
    try (RunWriter w = RunWriter.open(f)) {
      w.append(rec("1", true));
      w.append(rec("2", false));
    }
    RunLog log = RunLog.read(f);
    assertThat(log.records()).containsExactly(rec("1", true), rec("2", false));
    assertThat(log.tornBytes()).isZero();
  }

  @Test
  void recordFieldsUseSnakeCaseJson() throws Exception {
    Path f = tmp.resolve("records.jsonl");
    try (RunWriter w = RunWriter.open(f)) {
      w.append(new ItemRecord("7", "mmlu", "abc", "generate", "x", ItemRecord.UNPARSED, "no letter", "A", false, 5));
    }
    String line = Files.readString(f);
    assertThat(line)
        .startsWith("{\"question_id\":\"7\",\"benchmark\":\"mmlu\",\"prompt_hash\":\"abc\"")
        .contains("\"extracted\":\"UNPARSED\",\"rule\":\"no letter\"")
        .contains("\"correct\":false,\"latency_ms\":5")
        .endsWith("}\n");
  }

  @Test
  void tornLastLineIsDroppedAndTruncated() throws Exception {
    Path f = tmp.resolve("records.jsonl");
    try (RunWriter w = RunWriter.open(f)) {
      w.append(rec("1", true));
    }
    long good = Files.size(f);
    Files.writeString(f, "{\"question_id\":\"2\",\"bench", StandardOpenOption.APPEND);
    RunLog log = RunLog.read(f);
    assertThat(log.records()).hasSize(1);
    assertThat(log.validBytes()).isEqualTo(good);
    assertThat(log.tornBytes()).isEqualTo(25);
    log.truncateTornTail(f);
    assertThat(Files.size(f)).isEqualTo(good);
  }

  @Test
  void malformedMiddleLineNamesFileAndLine() throws Exception {
    Path f = tmp.resolve("records.jsonl");
    try (RunWriter w = RunWriter.open(f)) {
      w.append(rec("1", true));
    }
    Files.writeString(f, "not json\n", StandardOpenOption.APPEND);
    try (RunWriter w = RunWriter.open(f)) {
      w.append(rec("3", true));
    }
    assertThatThrownBy(() -> RunLog.read(f))
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(f + ":2: not a run record");
  }

  @Test
  void duplicateItemIsAnError() {
    Path f = tmp.resolve("records.jsonl");
    try (RunWriter w = RunWriter.open(f)) {
      w.append(rec("1", true));
      w.append(rec("1", false));
    }
    assertThatThrownBy(() -> RunLog.read(f))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(f + ":2: item medqa/1 already recorded on line 1");
  }

  @Test
  void correctMustAgreeWithExtracted() throws Exception {
    Path f = tmp.resolve("records.jsonl");
    Files.writeString(f,
        "{\"question_id\":\"1\",\"benchmark\":\"medqa\",\"prompt_hash\":\"h\",\"mode\":\"generate\",\"output\":\"\","
            + "\"extracted\":\"A\",\"rule\":\"r\",\"gold\":\"B\",\"correct\":true,\"latency_ms\":1}\n",
        StandardCharsets.UTF_8);
    assertThatThrownBy(() -> RunLog.read(f))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(f + ":1:")
        .hasMessageContaining("says correct=true but extracted A != gold B");
    assertThatThrownBy(() -> new ItemRecord("2", "medqa", "h", "generate", "", "B", "r", "B", false, 1))
        .isInstanceOf(DataFormatException.class)
        .hasMessage("record medqa/2 says correct=false but extracted B == gold B");
  }

  @Test
  void promptHashIsSha256OfCompactJsonMessages() {
    // python3: hashlib.sha256(json.dumps(msgs, separators=(',',':'), ensure_ascii=False).encode()).hexdigest()
    String h = PromptHash.of(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Café \"x\"\n")));
    assertThat(h).isEqualTo("6446c759bad8f8133cf703ff28fd7d61684326ad8ab5629a97a905920a70d136");
  }

  @Test
  void metadataIsWrittenAtomicallyAndReadBack() throws Exception {
    RunMetadata m = new RunMetadata(RunMetadata.FORMAT, "model-x", "seed", "generate", "x.Extractor", "none", 4242, 200,
        List.of("medqa", "mmlu"), java.util.Map.of("medqa", 200, "mmlu", 200),
        java.util.Map.of("max_new_tokens", 512, "temperature", 0.0), "dev", "17", "2026-01-01T00:00:00Z", List.of());
    m.write(tmp);
    assertThat(RunMetadata.read(tmp)).isEqualTo(m);
    try (var files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(RunMetadata.FILE);
    }
    Files.writeString(tmp.resolve(RunMetadata.FILE), "{\"format\":\"other.v9\",\"model\":\"m\",\"benchmarks\":[],\"questions\":{}}");
    assertThatThrownBy(() -> RunMetadata.read(tmp))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("field format must be medadapt.run.v1, was other.v9");
  }
}
