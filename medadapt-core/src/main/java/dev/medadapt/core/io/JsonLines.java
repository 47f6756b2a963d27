package dev.medadapt.core.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.StorageException;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SDK's one reader of JSON Lines files: plain or gzip-compressed (detected by the gzip magic bytes, not the
 * name), UTF-8 (a byte-order mark is ignored, invalid bytes are a bad row), one row in memory at a time, blank lines
 * skipped, and every problem reported as {@code file:line} under a {@link BadRowPolicy}: {@link BadRowPolicy#FAIL}
 * throws a {@link DataFormatException}, {@link BadRowPolicy#SKIP_AND_COUNT} logs the first rows, counts them all and
 * goes on.
 *
 * <p>Two levels: {@link #nextObject()} (and the static {@link #readObjects}, {@link #forEachObject}) parse each line
 * as one JSON object; {@link #nextLine()} with {@link #bytes()}, {@link #length()} and {@link #text()} hands out the raw
 * line for readers that parse fields themselves (the MedRAG corpus reader streams fields without building a tree),
 * which report their own row errors through {@link #bad(String)}.
 */
public final class JsonLines implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JsonLines.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_LOGGED_BAD_ROWS = 20;

  /**
   * One JSON object and where it is.
   *
   * @param node the object
   * @param file the file it was read from
   * @param line its 1-based line number (the line of its opening brace in a JSON array file)
   */
  public record Row(JsonNode node, Path file, long line) {
    /** {@code file:line}, for messages. */
    public String source() {
      return file + ":" + line;
    }

    /** A required string field; a missing or non-string one is a {@link DataFormatException} naming row and field. */
    public String text(String field) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        throw new DataFormatException(source() + ": missing field '" + field + "'");
      }
      if (!v.isTextual()) {
        throw new DataFormatException(source() + ": field '" + field + "' must be a string, was " + v.getNodeType());
      }
      return v.asText();
    }
  }

  private final Path file;
  private final String what;
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
  private int length;
  private long lineNumber;
  private long skipped;
  private boolean eof;

  private JsonLines(Path file, String what, BadRowPolicy policy) throws IOException {
    this.file = file;
    this.what = what;
    this.policy = policy;
    this.fileSize = Files.size(file);
    this.counted = new CountingInputStream(Files.newInputStream(file));
    BufferedInputStream buffered = new BufferedInputStream(counted, 1 << 16);
    this.in = isGzip(buffered) ? new GZIPInputStream(buffered, 1 << 16) : buffered;
  }

  /**
   * Opens {@code file}.
   *
   * @param what what the file holds, for messages ("corpus", "queries", "SFT data")
   * @throws DataFormatException when the file does not exist or cannot be opened, naming it
   */
  public static JsonLines open(Path file, String what, BadRowPolicy policy) {
    if (policy == null) {
      throw new dev.medadapt.core.ConfigurationException("policy must not be null");
    }
    if (!Files.isRegularFile(file)) {
      throw new DataFormatException(file + ": " + what + " file not found");
    }
    try {
      return new JsonLines(file, what, policy);
    } catch (IOException e) {
      throw new StorageException("cannot open " + what + " file", file, e);
    }
  }

  /**
   * Every JSON object of {@code file}, failing on the first bad row. A file whose first non-blank character is
   * {@code [} is read as one JSON array of objects (as Hugging Face data sets are often published); otherwise as
   * JSON Lines. A file without any object (empty, blank lines only, {@code []}) is an error naming it, as is a folder.
   */
  public static List<Row> readObjects(Path file, String what) {
    if (Files.isDirectory(file)) {
      throw new DataFormatException(file + ": is a folder; expected a JSONL file or a JSON array file");
    }
    if (!Files.isRegularFile(file)) {
      throw new DataFormatException(file + ": " + what + " file not found");
    }
    List<Row> rows;
    if (firstNonBlank(file) == '[') {
      rows = readArray(file, what);
    } else {
      rows = new ArrayList<>();
      forEachObject(file, what, BadRowPolicy.FAIL, rows::add);
    }
    if (rows.isEmpty()) {
      throw new DataFormatException(file + ": no rows: the data file is empty (or holds only blank lines or an empty"
          + " JSON array)");
    }
    return rows;
  }

  /** Calls {@code each} with every JSON object of the JSON Lines {@code file}; returns the number of bad rows skipped. */
  public static long forEachObject(Path file, String what, BadRowPolicy policy, Consumer<Row> each) {
    try (JsonLines r = open(file, what, policy)) {
      for (Row row; (row = r.nextObject()) != null; ) {
        each.accept(row);
      }
      return r.skippedRows();
    }
  }

  /** The next line parsed as one JSON object (bad rows handled by the policy), or null at the end of the file. */
  public Row nextObject() {
    while (nextLine()) {
      JsonNode node;
      try (JsonParser p = JSON.createParser(line, 0, length)) {
        node = JSON.readTree(p);
        if (node != null && p.nextToken() != null) {
          bad("expected exactly one JSON object on the line");
          continue;
        }
      } catch (JsonProcessingException e) {
        String start = lineNumber == 1 ? text().strip() : "";
        bad("invalid JSON: " + e.getOriginalMessage()
            + (start.equals("[") || start.equals("{") ? " (this looks like a single JSON document, not JSON Lines)" : ""));
        continue;
      } catch (IOException e) {
        throw new StorageException("cannot read " + what + " file", file, e);
      }
      if (node == null || !node.isObject()) {
        bad("expected a JSON object per line");
        continue;
      }
      return new Row(node, file, lineNumber);
    }
    return null;
  }

  /**
   * Advances to the next non-blank line that is valid UTF-8 (a line that is not is a bad row); false at the end of the
   * file. The line is then in {@link #bytes()} ({@link #length()} of them).
   */
  public boolean nextLine() {
    while (true) {
      int n = readLine();
      if (n < 0) {
        return false;
      }
      lineNumber++;
      length = n;
      if (lineNumber == 1 && n >= 3 && (line[0] & 0xff) == 0xef && (line[1] & 0xff) == 0xbb && (line[2] & 0xff) == 0xbf) {
        System.arraycopy(line, 3, line, 0, n - 3); // byte-order mark
        length = n - 3;
      }
      if (isAscii()) {
        if (isBlankAscii()) {
          continue;
        }
        return true;
      }
      String text;
      try {
        text = utf8.decode(ByteBuffer.wrap(line, 0, length)).toString();
      } catch (CharacterCodingException e) {
        bad("bytes are not valid UTF-8 (" + e.getMessage() + ")");
        continue;
      }
      if (text.isBlank()) {
        continue;
      }
      return true;
    }
  }

  /** The current line's bytes (valid UTF-8); only the first {@link #length()} are the line. */
  public byte[] bytes() {
    return line;
  }

  /** Length in bytes of the current line. */
  public int length() {
    return length;
  }

  /** The current line as text. */
  public String text() {
    return new String(line, 0, length, StandardCharsets.UTF_8);
  }

  /** The 1-based number of the current line. */
  public long lineNumber() {
    return lineNumber;
  }

  /** The file being read. */
  public Path file() {
    return file;
  }

  /** Rows skipped as bad so far (always 0 under {@link BadRowPolicy#FAIL}). */
  public long skippedRows() {
    return skipped;
  }

  /** How far through the file the reader is, from 0 to 1 (compressed bytes for a gzip file). */
  public double fractionRead() {
    return fileSize == 0 ? 1.0 : Math.min(1.0, (double) counted.count / fileSize);
  }

  /**
   * Reports the current row as bad: under {@link BadRowPolicy#FAIL} throws a {@link DataFormatException} with
   * {@code file:line: why}; otherwise logs it (the first 20) and counts it.
   */
  public void bad(String why) {
    String msg = file + ":" + lineNumber + ": " + why;
    if (policy == BadRowPolicy.FAIL) {
      throw new DataFormatException(msg);
    }
    skipped++;
    if (skipped <= MAX_LOGGED_BAD_ROWS) {
      LOG.warn("skipping bad {} row {}", what, msg);
    } else if (skipped == MAX_LOGGED_BAD_ROWS + 1) {
      LOG.warn("{}: more bad {} rows; only counting from now on", file, what);
    }
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      LOG.debug("closing {}", file, e);
    }
  }

  private boolean isAscii() {
    for (int i = 0; i < length; i++) {
      if (line[i] < 0) {
        return false;
      }
    }
    return true;
  }

  private boolean isBlankAscii() {
    for (int i = 0; i < length; i++) {
      byte c = line[i];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != 0x0b && !(c >= 0x1c && c <= 0x1f)) {
        return false;
      }
    }
    return true;
  }

  /** Reads the next line's bytes (without '\n' and a trailing '\r') into {@link #line}; -1 at the end. */
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
      throw new DataFormatException(file + ":" + (lineNumber + 1) + ": cannot read " + what + " (" + e.getMessage() + ")", e);
    }
    if (n > 0 && line[n - 1] == '\r') {
      n--;
    }
    return n;
  }

  private static boolean isGzip(BufferedInputStream in) throws IOException {
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    return b0 == 0x1f && b1 == 0x8b;
  }

  private static int firstNonBlank(Path file) {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        Reader r = new InputStreamReader(isGzip((BufferedInputStream) raw) ? new GZIPInputStream(raw) : raw,
            StandardCharsets.UTF_8)) {
      int c;
      while ((c = r.read()) >= 0) {
        if (c != '\uFEFF' && !Character.isWhitespace(c)) {
          return c;
        }
      }
      return -1;
    } catch (IOException e) {
      throw new StorageException("cannot read", file, e);
    }
  }

  private static List<Row> readArray(Path file, String what) {
    List<Row> rows = new ArrayList<>();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        InputStream in = isGzip((BufferedInputStream) raw) ? new GZIPInputStream(raw) : raw;
        JsonParser p = JSON.createParser(in)) {
      try {
        if (p.nextToken() != JsonToken.START_ARRAY) {
          throw new DataFormatException(file + ":1: expected a JSON array of " + what);
        }
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          long at = p.currentTokenLocation().getLineNr();
          if (t == null) {
            throw new DataFormatException(file + ":" + at + ": unexpected end of file inside the JSON array");
          }
          if (t != JsonToken.START_OBJECT) {
            throw new DataFormatException(file + ":" + at + ": expected a JSON object in the array, found " + t);
          }
          rows.add(new Row(JSON.readTree(p), file, at));
        }
      } catch (JsonProcessingException e) {
        long at = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
        throw new DataFormatException(file + ":" + at + ": invalid JSON: " + e.getOriginalMessage(), e);
      }
    } catch (IOException e) {
      throw new StorageException("cannot read " + what + " file", file, e);
    }
    return rows;
  }

  /** Counts the (compressed) bytes read, for {@link #fractionRead()}. */
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
  }
}
