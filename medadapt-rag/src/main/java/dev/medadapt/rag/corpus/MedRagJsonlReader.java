package dev.medadapt.rag.corpus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.medadapt.core.StorageException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.rag.chunk.Chunk;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * {@link BadRowPolicy#FAIL} the reader throws {@link DataFormatException}, under
 * {@link BadRowPolicy#SKIP_AND_COUNT} it logs and counts the row. Blank lines are ignored.
 */
public final class MedRagJsonlReader implements ChunkSource {
  private static final Logger LOG = LoggerFactory.getLogger(MedRagJsonlReader.class);
  private static final JsonFactory JSON = new JsonFactory();
  private static final int MAX_LOGGED_BAD_ROWS = 20;

  private final Path file;
  private final BadRowPolicy policy;
  private final long fileSize;
  private final CountingInputStream counted;
  private final InputStream in;
  private final CharsetDecoder utf8 =
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private byte[] line = new byte[8192];
  private long lineNumber;
  private long skipped;
  private boolean eof;

  private MedRagJsonlReader(Path file, BadRowPolicy policy) throws IOException {
    this.file = file;
    this.policy = policy;
    this.fileSize = Files.size(file);
    this.counted = new CountingInputStream(Files.newInputStream(file));
    BufferedInputStream buffered = new BufferedInputStream(counted, 1 << 16);
    buffered.mark(2);
    int b0 = buffered.read();
    int b1 = buffered.read();
    buffered.reset();
    boolean gzip = b0 == 0x1f && b1 == 0x8b;
    this.in = gzip ? new GZIPInputStream(buffered, 1 << 16) : buffered;
  }

  /** Opens {@code file}; a missing or unreadable file is a {@link DataFormatException} naming it. */
  public static MedRagJsonlReader open(Path file, BadRowPolicy policy) {
    if (!Files.isRegularFile(file)) {
      throw new DataFormatException(file + ": corpus file not found");
    }
    try {
      return new MedRagJsonlReader(file, policy);
    } catch (IOException e) {
      throw new DataFormatException(file + ": cannot open corpus: " + e.getMessage(), e);
    }
  }

  /** The 1-based number of the last line read. */
  public long lineNumber() {
    return lineNumber;
  }

  @Override
  public long skippedRows() {
    return skipped;
  }

  @Override
  public double fractionRead() {
    return fileSize == 0 ? 1.0 : Math.min(1.0, (double) counted.count / fileSize);
  }

  @Override
  public Chunk next() {
    while (true) {
      int n = readLine();
      if (n < 0) {
        return null;
      }
      lineNumber++;
      Chunk c;
      if (isAscii(line, n)) {
        // ASCII is valid UTF-8: Jackson parses the bytes as they are, without a decoded copy
        if (isBlank(line, n)) {
          continue;
        }
        c = parseRow(null, line, n);
      } else {
        String text;
        try {
          text = utf8.decode(ByteBuffer.wrap(line, 0, n)).toString();
        } catch (CharacterCodingException e) {
          bad("bytes are not valid UTF-8 (" + e.getMessage() + ")");
          continue;
        }
        if (text.isBlank()) {
          continue;
        }
        c = parseRow(text, null, 0);
      }
      if (c != null) {
        return c;
      }
    }
  }

  private static boolean isAscii(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] < 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isBlank(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      byte c = b[i];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != 0x0b && !(c >= 0x1c && c <= 0x1f)) {
        return false;
      }
    }
    return true;
  }

  /** Parses one row from {@code text}, or when it is null from the first {@code n} (ASCII) bytes of {@code bytes}. */
  private Chunk parseRow(String text, byte[] bytes, int n) {
    String id = null;
    String title = null;
    String content = null;
    String beirText = null;
    try (JsonParser p = text != null ? JSON.createParser(text) : JSON.createParser(bytes, 0, n)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        bad("expected a JSON object");
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
        bad("expected exactly one JSON object on the line");
        return null;
      }
    } catch (JsonProcessingException e) {
      bad("invalid JSON: " + e.getOriginalMessage());
      return null;
    } catch (FieldTypeException e) {
      bad(e.getMessage());
      return null;
    } catch (IOException e) {
      throw new StorageException("cannot read", file, e);
    }
    if (content == null) {
      content = beirText;
    }
    String missing = id == null ? "id" : title == null ? "title" : content == null ? "content" : null;
    if (missing != null) {
      bad("missing field \"" + missing + "\"");
      return null;
    }
    if (id.isBlank()) {
      bad("field \"id\" is blank");
      return null;
    }
    return new Chunk(id, title, content);
  }

  private static String typeError(String field, JsonToken token) {
    throw new FieldTypeException("field \"" + field + "\" must be a string, was " + token);
  }

  private void bad(String why) {
    String msg = file + ":" + lineNumber + ": " + why;
    if (policy == BadRowPolicy.FAIL) {
      throw new DataFormatException(msg);
    }
    skipped++;
    if (skipped <= MAX_LOGGED_BAD_ROWS) {
      LOG.warn("skipping bad corpus row {}", msg);
    } else if (skipped == MAX_LOGGED_BAD_ROWS + 1) {
      LOG.warn("{}: more bad rows; only counting from now on", file);
    }
  }

  /** Reads the next line's bytes (without '\n' and a trailing '\r') into {@link #line}; -1 at end. */
  private int readLine() {
    if (eof) {
      return -1;
    }
    int n = 0;
    try {
      while (true) {
        if (pos == limit) {
          limit = in.read(buf, 0, buf.length);
          pos = 0;
          if (limit <= 0) {
            limit = 0;
            eof = true;
            if (n == 0) {
              return -1;
            }
            break;
          }
        }
        int end = pos;
        while (end < limit && buf[end] != '\n') {
          end++;
        }
        int m = end - pos;
        if (n + m > line.length) {
          line = Arrays.copyOf(line, Math.max(line.length * 2, n + m));
        }
        System.arraycopy(buf, pos, line, n, m);
        n += m;
        if (end < limit) {
          pos = end + 1;
          break;
        }
        pos = limit;
      }
    } catch (IOException e) {
      throw new DataFormatException(file + ":" + (lineNumber + 1) + ": cannot read (" + e.getMessage() + ")", e);
    }
    if (n > 0 && line[n - 1] == '\r') {
      n--;
    }
    return n;
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      LOG.debug("closing {}", file, e);
    }
  }

  @Override
  public String toString() {
    return file.toString();
  }

  private static final class FieldTypeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FieldTypeException(String m) {
      super(m, null, false, false);
    }
  }

  private static final class CountingInputStream extends FilterInputStream {
    long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = super.skip(n);
      count += s;
      return s;
    }
  }
}
