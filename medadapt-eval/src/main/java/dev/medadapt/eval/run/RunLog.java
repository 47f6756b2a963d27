package dev.medadapt.eval.run;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.MedAdaptException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The records of a run read back from {@code records.jsonl}.
 *
 * <p>A run killed mid-write can leave a last line without its terminating newline; that line is
 * a torn record: it is dropped ({@link #tornBytes()} says how many bytes) and {@link
 * #truncateTornTail(Path)} removes it before appending. Any other malformed line, or the same item
 * recorded twice, is an error naming the file and line.
 *
 * @param records the complete records, in file order
 * @param validBytes length of the file up to and including the last complete line
 * @param tornBytes bytes after {@code validBytes} (0 when the file ends with a newline)
 */
public record RunLog(List<ItemRecord> records, long validBytes, long tornBytes) {
  /** File name of the records in a run directory. */
  public static final String RECORDS_FILE = "records.jsonl";

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public RunLog {
    records = List.copyOf(records);
  }

  /** Reads a records file; a missing file is an empty log. */
  public static RunLog read(Path file) {
    if (!Files.exists(file)) {
      return new RunLog(List.of(), 0, 0);
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new MedAdaptException("cannot read run records " + file + ": " + e.getMessage(), e);
    }
    List<ItemRecord> out = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    int start = 0;
    int lineNo = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] != '\n') {
        continue;
      }
      lineNo++;
      String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
      start = i + 1;
      ItemRecord r;
      try {
        r = JSON.readValue(line, ItemRecord.class);
      } catch (IOException | MedAdaptException e) {
        throw new DataFormatException(
            file + ":" + lineNo + ": not a run record (" + firstLine(e.getMessage()) + ")", e);
      }
      Integer prev = seen.putIfAbsent(r.key(), lineNo);
      if (prev != null) {
        throw new DataFormatException(
            file + ":" + lineNo + ": item " + r.benchmark() + "/" + r.questionId()
                + " already recorded on line " + prev);
      }
      out.add(r);
    }
    return new RunLog(out, start, bytes.length - start);
  }

  /** Reads {@code records.jsonl} of a run directory. */
  public static RunLog readDir(Path runDir) {
    return read(runDir.resolve(RECORDS_FILE));
  }

  /** Cuts a torn last line off {@code file} so that appends start on a fresh line. */
  public void truncateTornTail(Path file) {
    if (tornBytes == 0) {
      return;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(validBytes);
      ch.force(true);
    } catch (IOException e) {
      throw new MedAdaptException("cannot truncate torn record at the end of " + file + ": " + e.getMessage(), e);
    }
  }

  /** Records by {@link ItemRecord#key()}. */
  public Map<String, ItemRecord> byKey() {
    Map<String, ItemRecord> m = new HashMap<>();
    records.forEach(r -> m.put(r.key(), r));
    return m;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
