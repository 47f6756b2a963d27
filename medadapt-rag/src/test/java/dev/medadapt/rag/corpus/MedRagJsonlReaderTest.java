package dev.medadapt.rag.corpus;

import dev.medadapt.core.io.BadRowPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.DataFormatException;
import dev.medadapt.rag.chunk.Chunk;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MedRagJsonlReaderTest {
  @TempDir Path dir;

  static List<Chunk> readAll(ChunkSource s) {
    List<Chunk> out = new ArrayList<>();
    try (s) {
      for (Chunk c; (c = s.next()) != null; ) {
        out.add(c);
      }
    }
    return out;
  }

  private static final String GOOD =
      "{\"id\": \"Anatomy_Gray_0\", \"title\": \"Anatomy_Gray\", \"content\": \"What is anatomy?\", \"contents\": \"Anatomy_Gray. What is anatomy?\"}\n"
          + "{\"id\": 17, \"title\": \"T\", \"content\": \"caf\u00e9 \\u00e9\", \"extra\": {\"nested\": [1, 2]}}\r\n"
          + "\n"
          + "{\"id\": \"x\", \"title\": \"\", \"content\": \"last row without newline\"}";

  @Test
  void readsPlainAndGzipTheSame() throws Exception {
    Path plain = dir.resolve("c.jsonl");
    Files.writeString(plain, GOOD);
    Path gz = dir.resolve("c.jsonl.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
      o.write(GOOD.getBytes(StandardCharsets.UTF_8));
    }
    List<Chunk> expected =
        List.of(
            new Chunk("Anatomy_Gray_0", "Anatomy_Gray", "What is anatomy?"),
            new Chunk("17", "T", "café é"),
            new Chunk("x", "", "last row without newline"));
    assertThat(readAll(MedRagJsonlReader.open(plain, BadRowPolicy.FAIL))).isEqualTo(expected);
    assertThat(readAll(MedRagJsonlReader.open(gz, BadRowPolicy.FAIL))).isEqualTo(expected);
    MedRagJsonlReader r = MedRagJsonlReader.open(plain, BadRowPolicy.FAIL);
    readAll(r);
    assertThat(r.fractionRead()).isEqualTo(1.0);
    assertThat(r.lineNumber()).isEqualTo(4);
  }

  private Path withBadRows() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write("{\"id\":\"a\",\"title\":\"t\",\"content\":\"ok 1\"}\n".getBytes(StandardCharsets.UTF_8));
    b.write("{\"id\":\"b\",\"title\":\"t\",\"content\":\"broken\"\n".getBytes(StandardCharsets.UTF_8)); // line 2
    b.write("{\"id\":\"c\",\"content\":\"no title\"}\n".getBytes(StandardCharsets.UTF_8)); // line 3
    b.write("{\"id\":\"d\",\"title\":\"t\",\"content\":\"latin1 ".getBytes(StandardCharsets.UTF_8)); // line 4
    b.write(new byte[] {(byte) 0xE9, (byte) 0xFF});
    b.write("\"}\n".getBytes(StandardCharsets.UTF_8));
    b.write("{\"id\":\"e\",\"title\":\"t\",\"content\":42}\n".getBytes(StandardCharsets.UTF_8)); // line 5
    b.write("[1,2]\n".getBytes(StandardCharsets.UTF_8)); // line 6
    b.write("{\"id\":\"f\",\"title\":\"t\",\"content\":\"ok 2\"}\n".getBytes(StandardCharsets.UTF_8));
    Path p = dir.resolve("bad.jsonl");
    Files.write(p, b.toByteArray());
    return p;
  }

  @Test
  void failPolicyNamesFileAndLine() throws Exception {
    Path p = withBadRows();
    MedRagJsonlReader r = MedRagJsonlReader.open(p, BadRowPolicy.FAIL);
    assertThat(r.next().id()).isEqualTo("a");
    assertThatThrownBy(r::next).isInstanceOf(DataFormatException.class).hasMessageStartingWith(p + ":2: invalid JSON");
    r.close();
  }

  @Test
  void eachKindOfBadRowIsReportedWithItsLine() throws Exception {
    Path p = withBadRows();
    String[] expected = {
      p + ":2: invalid JSON",
      p + ":3: missing field \"title\"",
      p + ":4: bytes are not valid UTF-8",
      p + ":5: field \"content\" must be a string",
      p + ":6: expected a JSON object"
    };
    // Re-read with FAIL after skipping the earlier bad lines by truncating the file each time.
    List<String> lines = new ArrayList<>();
    byte[] all = Files.readAllBytes(p);
    int start = 0;
    for (int i = 0; i < all.length; i++) {
      if (all[i] == '\n') {
        lines.add(new String(all, start, i - start, StandardCharsets.ISO_8859_1));
        start = i + 1;
      }
    }
    for (int bad = 0; bad < expected.length; bad++) {
      Path one = dir.resolve("one" + bad + ".jsonl");
      Files.write(one, (lines.get(0) + "\n" + lines.get(bad + 1) + "\n").getBytes(StandardCharsets.ISO_8859_1));
      String want = expected[bad].replace(p.toString(), one.toString()).replaceFirst(":\\d+:", ":2:");
      MedRagJsonlReader r = MedRagJsonlReader.open(one, BadRowPolicy.FAIL);
      r.next();
      assertThatThrownBy(r::next).isInstanceOf(DataFormatException.class).hasMessageStartingWith(want);
      r.close();
    }
  }

  @Test
  void skipPolicyCountsAndContinues() throws Exception {
    MedRagJsonlReader r = MedRagJsonlReader.open(withBadRows(), BadRowPolicy.SKIP_AND_COUNT);
    assertThat(readAll(r)).extracting(Chunk::id).containsExactly("a", "f");
    assertThat(r.skippedRows()).isEqualTo(5);
  }

  @Test
  void beirCorpusRowsAreReadToo() throws Exception {
    Path p = dir.resolve("corpus.jsonl");
    Files.writeString(p, "{\"_id\": \"MED-10\", \"title\": \"Statin use\", \"text\": \"Recent studies ...\", \"metadata\": {\"url\": \"x\"}}\n");
    assertThat(readAll(MedRagJsonlReader.open(p, BadRowPolicy.FAIL))).containsExactly(new Chunk("MED-10", "Statin use", "Recent studies ..."));
  }

  @Test
  void missingFileAndUnknownFormatAreClear() {
    Path missing = dir.resolve("nope.jsonl");
    assertThatThrownBy(() -> MedRagJsonlReader.open(missing, BadRowPolicy.FAIL))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(missing + ": corpus file not found");
  }

  @Test
  void truncatedGzipNamesTheFile() throws Exception {
    Path gz = dir.resolve("t.jsonl.gz");
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (OutputStream o = new GZIPOutputStream(b)) {
      for (int i = 0; i < 2000; i++) {
        o.write(("{\"id\":\"" + i + "\",\"title\":\"t\",\"content\":\"row " + i + " " + Math.sin(i) + "\"}\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] full = b.toByteArray();
    Files.write(gz, java.util.Arrays.copyOf(full, full.length / 2));
    assertThatThrownBy(() -> readAll(MedRagJsonlReader.open(gz, BadRowPolicy.FAIL)))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(gz.toString())
        .hasMessageContaining("cannot read");
  }
}
