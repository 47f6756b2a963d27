package dev.medadapt.rag.index;

import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Synthetic corpora for index tests (seeded, so every run sees the same text). */
public final class TestCorpus {
  private TestCorpus() {}

  public static final String[] WORDS = (
      "heart lung kidney liver brain blood pressure insulin glucose diabetes hypertension asthma fever cough pain "
          + "infection antibiotic vaccine virus bacteria cancer tumor chemotherapy radiation surgery fracture bone "
          + "muscle nerve stroke seizure migraine anemia iron vitamin deficiency thyroid hormone pregnancy infant "
          + "child elderly dose tablet injection symptom diagnosis treatment therapy prognosis risk genetic mutation "
          + "enzyme protein receptor antibody immune allergy rash skin eye ear throat stomach ulcer bowel colon").split(" ");

  /** {@code n} chunks with ids {@code doc<i>}, seeded. */
  public static List<Chunk> chunks(int n, long seed) {
    Random r = new Random(seed);
    List<Chunk> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      int len = 20 + r.nextInt(40);
      for (int w = 0; w < len; w++) {
        sb.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
      }
      out.add(new Chunk("doc" + i, "Title " + WORDS[r.nextInt(WORDS.length)] + " " + i, sb.toString()));
    }
    return out;
  }

  public static Path writeJsonl(Path file, List<Chunk> chunks) {
    StringBuilder sb = new StringBuilder();
    for (Chunk c : chunks) {
      sb.append("{\"id\":\"").append(c.id()).append("\",\"title\":\"").append(c.title())
          .append("\",\"content\":\"").append(c.content()).append("\"}\n");
    }
    try {
      Files.writeString(file, sb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  public static ChunkSource source(List<Chunk> chunks) {
    return Corpora.of(chunks, "test corpus");
  }
}
