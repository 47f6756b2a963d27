package dev.medadapt.train.data;

import dev.medadapt.core.Ensure;
import dev.medadapt.train.internal.JsonRows;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads continual-pretraining text from a MedRAG-format corpus JSONL ({@code id, title, content, contents}). */
public final class CorpusReader {
  private CorpusReader() {}

  /**
   * The text of every record: the {@code contents} field (MedRAG's {@code title + ". " + content}) when present,
   * else {@code content}. A record with neither is an error naming {@code file:line}.
   */
  public static List<String> medRag(Path file) {
    return medRag(file, "contents", "content");
  }

  /** The text of every record from the first of {@code fields} present in it. */
  public static List<String> medRag(Path file, String... fields) {
    Ensure.between(fields.length, 1, 16, "fields.length");
    List<String> out = new ArrayList<>();
    for (JsonRows.Row row : JsonRows.read(file)) {
      String text = null;
      for (String f : fields) {
        if (row.node().hasNonNull(f)) {
          text = row.text(f);
          break;
        }
      }
      if (text == null) {
        throw new dev.medadapt.core.DataFormatException(
            row.source() + ": missing field '" + String.join("' or '", fields) + "'");
      }
      out.add(text);
    }
    return out;
  }
}
