package dev.medadapt.rag.chunk;

import java.util.Objects;

/**
 * One retrievable snippet in the MedRAG corpus format ({@code {"id","title","content","contents"}}).
 *
 * <p>Ids are stable: they are derived from the source (file name plus a running chunk number, or
 * the id of the corpus row), never from time or randomness, so re-indexing the same input replaces
 * rather than duplicates.
 *
 * <pre>{@code
 * Chunk c = new Chunk("Anatomy_Gray_0", "Anatomy_Gray", "The heart is ...");
 * c.contents(); // "Anatomy_Gray. The heart is ..."
 * }</pre>
 *
 * @param id stable unique id
 * @param title document title (may be empty)
 * @param content snippet text
 */
public record Chunk(String id, String title, String content) {

  public Chunk {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(content, "content");
  }

  /** MedRAG's {@code contents} field: see {@link #concat(String, String)}. */
  public String contents() {
    return concat(title, content);
  }

  /**
   * MedRAG's {@code concat(title, content)} (src/data/*.py in github.com/Teddy-XiongGZ/MedRAG):
   * {@code title + ". " + content}, or {@code title + " " + content} when the stripped title already
   * ends in '.', '?' or '!'. An empty title gives the content alone.
   */
  public static String concat(String title, String content) {
    String t = title.strip();
    String c = content.strip();
    if (t.isEmpty()) {
      return c;
    }
    char last = t.charAt(t.length() - 1);
    return last == '.' || last == '?' || last == '!' ? t + " " + c : t + ". " + c;
  }
}
