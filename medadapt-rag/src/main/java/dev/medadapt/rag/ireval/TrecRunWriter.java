package dev.medadapt.rag.ireval;

import dev.medadapt.core.StorageException;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.rag.retrieve.Hit;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes a TREC run file: one line {@code qid Q0 docid rank score tag} per hit, ranks from 1.
 *
 * <pre>{@code
 * try (TrecRunWriter w = new TrecRunWriter(Path.of("bm25.run"), "medadapt-bm25")) {
 *   w.write("q1", retriever.retrieve("fever in infants", 100));
 * }
 * }</pre>
 */
public final class TrecRunWriter implements AutoCloseable {
  private final Path file;
  private final String tag;
  private final Path partial;
  private final BufferedWriter out;

  public TrecRunWriter(Path file, String tag) {
    if (tag == null || tag.isBlank() || tag.chars().anyMatch(Character::isWhitespace)) {
      throw new ConfigurationException("run tag must be a non-blank string without whitespace, was \"" + tag + "\"");
    }
    this.file = file;
    this.tag = tag;
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      // written beside the target and renamed on close, so a killed run never leaves a truncated run file
      this.partial = file.resolveSibling(file.getFileName() + ".partial");
      this.out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigurationException(file + ": cannot write run file: " + e.getMessage(), e);
    }
  }

  /** Appends the hits of one query, best first. Ids containing whitespace cannot be written in TREC format. */
  public void write(String qid, List<Hit> hits) {
    check(qid, "query id");
    try {
      for (int i = 0; i < hits.size(); i++) {
        Hit h = hits.get(i);
        check(h.id(), "document id");
        out.write(qid + " Q0 " + h.id() + " " + (i + 1) + " " + String.format(Locale.ROOT, "%.6f", h.score()) + " " + tag);
        out.newLine();
      }
    } catch (IOException e) {
      throw new StorageException("cannot write TREC run", file, e);
    }
  }

  private void check(String id, String what) {
    if (id.isEmpty() || id.chars().anyMatch(Character::isWhitespace)) {
      throw new DataFormatException(file + ": " + what + " \"" + id + "\" contains whitespace; TREC run columns are whitespace-separated");
    }
  }

  @Override
  public void close() {
    try {
      out.close();
      dev.medadapt.core.io.AtomicFiles.moveReplacing(partial, file);
    } catch (IOException e) {
      throw new StorageException("cannot close TREC run", file, e);
    }
  }
}
