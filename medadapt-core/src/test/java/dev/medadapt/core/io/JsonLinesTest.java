package dev.medadapt.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.DataFormatException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesTest {
  @TempDir Path tmp;

  private static final String ROWS = "\uFEFF{\"a\": 1}\r\n\n   \n{\"a\": \"é\"}\n{\"a\": 3}";

  @Test
  void readsPlainAndGzipAlikeWithLineNumbersSkippingBlankLinesAndTheByteOrderMark() throws Exception {
    Path plain = Files.writeString(tmp.resolve("rows.jsonl"), ROWS);
    Path gz = tmp.resolve("rows.jsonl.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(ROWS.getBytes(StandardCharsets.UTF_8));
    }
    for (Path f : List.of(plain, gz)) {
      List<JsonLines.Row> rows = JsonLines.readObjects(f, "test rows");
      assertThat(rows).extracting(JsonLines.Row::line).containsExactly(1L, 4L, 5L);
      assertThat(rows.get(1).text("a")).isEqualTo("é");
      assertThat(rows.get(2).source()).isEqualTo(f + ":5");
    }
  }

  @Test
  void aJsonArrayFileIsReadAsObjects() throws Exception {
    Path f = Files.writeString(tmp.resolve("rows.json"), "[\n {\"a\": \"x\"},\n {\"a\": \"y\"}\n]\n");
    assertThat(JsonLines.readObjects(f, "rows")).extracting(r -> r.text("a")).containsExactly("x", "y");
  }

  @Test
  void badRowsAreNamedByFileAndLineOrSkippedAndCounted() throws Exception {
    Path f = tmp.resolve("bad.jsonl");
    Files.write(f, List.of("{\"a\": 1}", "{not json", "[1, 2]", "{\"a\": 2} {\"a\": 3}", "{\"a\": 4}"));
    Files.write(f, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}', '\n'}, java.nio.file.StandardOpenOption.APPEND);
    assertThatThrownBy(() -> JsonLines.readObjects(f, "rows"))
        .isInstanceOf(DataFormatException.class).hasMessageStartingWith(f + ":2: invalid JSON");
    List<Long> lines = new ArrayList<>();
    long skipped = JsonLines.forEachObject(f, "rows", BadRowPolicy.SKIP_AND_COUNT, r -> lines.add(r.line()));
    assertThat(lines).containsExactly(1L, 5L);
    assertThat(skipped).isEqualTo(4);
    assertThatThrownBy(() -> JsonLines.readObjects(tmp.resolve("missing.jsonl"), "SFT data"))
        .isInstanceOf(DataFormatException.class).hasMessage(tmp.resolve("missing.jsonl") + ": SFT data file not found");
    Path doc = Files.writeString(tmp.resolve("doc.jsonl"), "{\n \"a\": 1\n}\n");
    assertThatThrownBy(() -> JsonLines.forEachObject(doc, "rows", BadRowPolicy.FAIL, r -> {}))
        .hasMessageStartingWith(doc + ":1: invalid JSON").hasMessageContaining("not JSON Lines");
  }

  @Test
  void aMissingOrWrongFieldIsNamed() throws Exception {
    Path f = Files.writeString(tmp.resolve("f.jsonl"), "{\"a\": 1}\n");
    JsonLines.Row row = JsonLines.readObjects(f, "rows").get(0);
    assertThatThrownBy(() -> row.text("b")).hasMessage(f + ":1: missing field 'b'");
    assertThatThrownBy(() -> row.text("a")).hasMessage(f + ":1: field 'a' must be a string, was NUMBER");
  }
}
