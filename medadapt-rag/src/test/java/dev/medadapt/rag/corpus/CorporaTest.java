package dev.medadapt.rag.corpus;

import dev.medadapt.core.io.BadRowPolicy;
import static dev.medadapt.rag.corpus.MedRagJsonlReaderTest.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.DataFormatException;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.chunk.RecursiveCharacterSplitter;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorporaTest {
  @TempDir Path dir;

  @Test
  void textFolderChunksLikeMedragTextbooks() throws Exception {
    Path books = Files.createDirectories(dir.resolve("books/sub"));
    Files.writeString(dir.resolve("books/Anatomy_Gray.txt"), "  The heart\n\npumps   blood.  ");
    Files.writeString(books.resolve("notes.md"), "# Notes\n\nShort.");
    Files.writeString(books.resolve("ignored.pdf"), "not text");
    List<Chunk> chunks = readAll(Corpora.open(List.of(dir.resolve("books")), BadRowPolicy.FAIL));
    assertThat(chunks)
        .containsExactly(
            new Chunk("Anatomy_Gray_0", "Anatomy_Gray", "The heart pumps blood."),
            new Chunk("sub_notes_0", "notes", "# Notes Short."));
  }

  @Test
  void tenMegabyteDocumentIsChunkedWithinTheLimit() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("big"));
    Path big = folder.resolve("big.txt");
    Random r = new Random(7);
    long words = 0;
    try (BufferedWriter w = Files.newBufferedWriter(big)) {
      long written = 0;
      while (written < 10_000_000) {
        String word = "word" + r.nextInt(100000) + (r.nextInt(30) == 0 ? "\n\n" : " ");
        w.write(word);
        written += word.length();
        words++;
      }
    }
    List<Chunk> chunks = readAll(Corpora.open(List.of(folder), BadRowPolicy.FAIL));
    assertThat(chunks.size()).isGreaterThan(10_000); // >= 10 MB / 1000 chars
    assertThat(chunks).allSatisfy(c -> assertThat(c.content().length()).isBetween(1, 1000));
    assertThat(chunks.get(0).id()).isEqualTo("big_0");
    assertThat(chunks.get(chunks.size() - 1).id()).isEqualTo("big_" + (chunks.size() - 1));
    assertThat(words).isGreaterThan(500_000);
  }

  @Test
  void tenMegabyteJsonlRowIsSplitByTheLongChunkDecorator() throws Exception {
    Path p = dir.resolve("one.jsonl");
    String content = "lorem ipsum dolor ".repeat(600_000); // 10.8 MB
    Files.writeString(p, "{\"id\":\"huge\",\"title\":\"Big\",\"content\":\"" + content + "\"}\n{\"id\":\"s\",\"title\":\"t\",\"content\":\"small\"}\n");
    RecursiveCharacterSplitter splitter = RecursiveCharacterSplitter.builder().build();
    List<Chunk> chunks = readAll(Corpora.splitLong(MedRagJsonlReader.open(p, BadRowPolicy.FAIL), splitter));
    assertThat(chunks.get(0).id()).isEqualTo("huge_part0");
    assertThat(chunks.get(chunks.size() - 1)).isEqualTo(new Chunk("s", "t", "small"));
    assertThat(chunks.size()).isGreaterThan(10_000);
    assertThat(chunks).allSatisfy(c -> assertThat(c.content().length()).isLessThanOrEqualTo(1000));
  }

  @Test
  void nonUtf8TextFileNamesFileAndLine() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("latin"));
    Path f = folder.resolve("a.txt");
    Files.write(f, new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'});
    assertThatThrownBy(() -> readAll(Corpora.open(List.of(folder), BadRowPolicy.FAIL)))
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(f + ":2: bytes are not valid UTF-8");
  }

  @Test
  void severalFilesAreReadInOrderAndUnknownFormatsRefused() throws Exception {
    Path a = dir.resolve("a.jsonl");
    Path b = dir.resolve("b.jsonl");
    Files.writeString(a, "{\"id\":\"1\",\"title\":\"t\",\"content\":\"x\"}\n");
    Files.writeString(b, "{\"id\":\"2\",\"title\":\"t\",\"content\":\"y\"}\n");
    assertThat(readAll(Corpora.open(List.of(a, b), BadRowPolicy.FAIL))).extracting(Chunk::id).containsExactly("1", "2");
    Path csv = dir.resolve("c.csv");
    Files.writeString(csv, "x");
    assertThatThrownBy(() -> readAll(Corpora.open(List.of(csv), BadRowPolicy.FAIL)))
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(csv + ": unknown corpus format");
  }

  @Test
  void folderWithoutReadableFilesSaysWhichExtensionsItReads() throws Exception {
    Path jsonl = Files.createDirectories(dir.resolve("medrag"));
    Files.writeString(jsonl.resolve("a.jsonl"), "{\"id\":\"1\",\"title\":\"t\",\"content\":\"x\"}\n");
    Files.writeString(jsonl.resolve("b.jsonl.gz"), "x");
    Files.writeString(jsonl.resolve("README"), "x");
    assertThatThrownBy(() -> readAll(Corpora.open(List.of(jsonl), BadRowPolicy.FAIL)))
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(jsonl + ": corpus folder holds no file it reads")
        .hasMessageContaining(".nxml")
        .hasMessageContaining(".txt/.md/.markdown")
        .hasMessageContaining("3 files: .gz (1), .jsonl (1), no extension (1)")
        .hasMessageContaining("give .jsonl/.jsonl.gz/.json files by name");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> readAll(Corpora.open(List.of(empty), BadRowPolicy.FAIL)))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("holds no files");
  }
}
