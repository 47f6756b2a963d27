package dev.medadapt.rag.corpus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.medadapt.core.StorageException;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.core.io.JsonLines;
import dev.medadapt.rag.chunk.Chunk;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Streams a MedRAG corpus file: JSON Lines of {@code {"id","title","content","contents"}} (extra
 * fields ignored, {@code contents} optional since it is derived), plain or gzip-compressed (detected
 * by the gzip magic bytes, not the name). Memory use is one row at a time, so files of any size work.
 *
 * <p>BEIR corpus rows ({@code {"_id","title","text"}}) are read too: {@code _id} stands for
 * {@code id} and {@code text} for {@code content}, so BEIR's {@code corpus.jsonl} indexes as is.
 *
 * <p>A row that is not valid UTF-8, not one JSON object, or lacks {@code id}, {@code title} or
 * {@code content} (as strings; a numeric id is accepted) is reported as {@code file:line}; under
 * {@link BadRowPolicy#FAIL} the reader throws {@link dev.medadapt.core.DataFormatException}, under
 * {@link BadRowPolicy#SKIP_AND_COUNT} it logs and counts the row. Blank lines are ignored. The lines come from core's
 * {@link JsonLines}; the fields are streamed from each line's bytes without building a tree.
 */
public final class MedRagJsonlReader implements ChunkSource {
  private static final JsonFactory JSON = new JsonFactory();

  private final JsonLines lines;

  private MedRagJsonlReader(JsonLines lines) {
    this.lines = lines;
  }

  /** Opens {@code file}; a missing or unreadable file is a {@link dev.medadapt.core.DataFormatException} naming it. */
  public static MedRagJsonlReader open(Path file, BadRowPolicy policy) {
    return new MedRagJsonlReader(JsonLines.open(file, "corpus", policy));
  }

  /** The 1-based number of the last line read. */
  public long lineNumber() {
    return lines.lineNumber();
  }

  @Override
  public long skippedRows() {
    return lines.skippedRows();
  }

  @Override
  public double fractionRead() {
    return lines.fractionRead();
  }

  @Override
  public Chunk next() {
    while (lines.nextLine()) {
      Chunk c = parseRow(lines.bytes(), lines.length());
      if (c != null) {
        return c;
      }
    }
    return null;
  }

  /** Parses one row from the first {@code n} (UTF-8) bytes of {@code bytes}. */
  private Chunk parseRow(byte[] bytes, int n) {
    String id = null;
    String title = null;
    String content = null;
    String beirText = null;
    try (JsonParser p = JSON.createParser(bytes, 0, n)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        lines.bad("expected a JSON object");
        return null;
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "id", "_id" -> id = v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_INT ? p.getText() : typeError(name, v);
          case "title" -> title = v == JsonToken.VALUE_STRING ? p.getText() : typeError(name, v);
          case "content" -> content = v == JsonToken.VALUE_STRING ? p.getText() : typeError(name, v);
          case "text" -> beirText = v == JsonToken.VALUE_STRING ? p.getText() : typeError(name, v);
          default -> p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        lines.bad("expected exactly one JSON object on the line");
        return null;
      }
    } catch (JsonProcessingException e) {
      lines.bad("invalid JSON: " + e.getOriginalMessage());
      return null;
    } catch (FieldTypeException e) {
      lines.bad(e.getMessage());
      return null;
    } catch (IOException e) {
      throw new StorageException("cannot read", lines.file(), e);
    }
    if (content == null) {
      content = beirText;
    }
    String missing = id == null ? "id" : title == null ? "title" : content == null ? "content" : null;
    if (missing != null) {
      lines.bad("missing field \"" + missing + "\"");
      return null;
    }
    if (id.isBlank()) {
      lines.bad("field \"id\" is blank");
      return null;
    }
    return new Chunk(id, title, content);
  }

  private static String typeError(String field, JsonToken token) {
    throw new FieldTypeException("field \"" + field + "\" must be a string, was " + token);
  }

  @Override
  public void close() {
    lines.close();
  }

  @Override
  public String toString() {
    return lines.file().toString();
  }

  private static final class FieldTypeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FieldTypeException(String m) {
      super(m, null, false, false);
    }
  }
}
