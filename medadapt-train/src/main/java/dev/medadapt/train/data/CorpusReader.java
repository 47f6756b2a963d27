package dev.medadapt.train.data;

import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.corpus.MedRagJsonlReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads continual-pretraining text from a MedRAG-format corpus (JSON Lines, plain or gzip, of {@code id, title,
 * content}), parsed by medadapt-rag's {@link MedRagJsonlReader}, the SDK's one reader of that format.
 */
public final class CorpusReader {
  private CorpusReader() {}

  /**
   * The text of every record: MedRAG's {@code contents} ({@code title + ". " + content}, see {@link Chunk#contents()}).
   * A bad row is an error naming {@code file:line}; a file without rows is an error naming it.
   */
  public static List<String> medRag(Path file) {
    List<String> out = new ArrayList<>();
    try (MedRagJsonlReader r = MedRagJsonlReader.open(file, BadRowPolicy.FAIL)) {
      for (Chunk c; (c = r.next()) != null; ) {
        out.add(c.contents());
      }
    }
    if (out.isEmpty()) {
      throw new dev.medadapt.core.DataFormatException(file + ": no rows: the corpus file is empty (or holds only blank"
          + " lines)");
    }
    return out;
  }
}
