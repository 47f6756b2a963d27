package dev.medadapt.eval.bench.internal;

import dev.medadapt.core.DataFormatException;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * A small RFC 4180 reader: comma-separated fields, fields optionally enclosed in double quotes,
 * {@code ""} inside a quoted field is one quote, quoted fields may contain commas, CR and LF.
 * Records end with CRLF, LF or CR (RFC 4180 says CRLF; the MMLU files mix CRLF and LF) or at the
 * end of input (the CRLF MMLU files have no final line break). A U+FEFF at the very start of the
 * input is a byte-order mark and is dropped; U+FEFF anywhere else is data and kept verbatim
 * (several MMLU questions contain it, and MIRAGE's benchmark.json keeps it).
 *
 * <p>A double quote inside an unquoted field is kept as data, as Python's {@code csv} module and
 * pandas (which MIRAGE used) do; RFC 4180 forbids it but MMLU's {@code college_medicine_val.csv}
 * line 6 has one ({@code ...Will to Truth?",An intrinsic...}). Text after a closing quote and an
 * unterminated quoted field are errors naming the line.
 */
public final class CsvReader {

  /** One record and the physical line (1-based) on which it starts. */
  public record Record(List<String> fields, int line) {}

  private final Reader in;
  private final String source;
  private int line = 1;
  private int pushback = -2;
  private boolean first = true;

  public CsvReader(Reader in, String source) {
    this.in = in;
    this.source = source;
  }

  /** Reads all records. */
  public List<Record> readAll() throws IOException {
    List<Record> out = new ArrayList<>();
    for (Record r = next(); r != null; r = next()) {
      out.add(r);
    }
    return out;
  }

  /** The next record, or null at end of input. */
  public Record next() throws IOException {
    int c = read();
    if (first) {
      first = false;
      if (c == '\uFEFF') {
        c = read();
      }
    }
    if (c == -1) {
      return null;
    }
    int startLine = line;
    List<String> fields = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (c == '"') {
        // quoted field
        while (true) {
          int d = read();
          if (d == -1) {
            throw new DataFormatException(
                source + ":" + startLine + ": field " + (fields.size() + 1) + ": quoted field is not closed before end of file");
          }
          if (d == '"') {
            int e = read();
            if (e == '"') {
              sb.append('"');
              continue;
            }
            c = e;
            break;
          }
          if (d == '\n') {
            line++;
          } else if (d == '\r') {
            int e = read();
            if (e != '\n') {
              line++;
            }
            unread(e);
          }
          sb.append((char) d);
        }
        if (c != ',' && c != '\n' && c != '\r' && c != -1) {
          throw new DataFormatException(
              source + ":" + line + ": field " + (fields.size() + 1) + ": unexpected character '" + (char) c
                  + "' after a closing quote (RFC 4180 requires a comma or line break)");
        }
      } else {
        while (c != ',' && c != '\n' && c != '\r' && c != -1) {
          sb.append((char) c);
          c = read();
        }
      }
      fields.add(sb.toString());
      sb.setLength(0);
      if (c == ',') {
        c = read();
        continue;
      }
      if (c == '\r') {
        int e = read();
        if (e != '\n') {
          unread(e);
        }
        line++;
      } else if (c == '\n') {
        line++;
      }
      return new Record(List.copyOf(fields), startLine);
    }
  }

  private int read() throws IOException {
    if (pushback != -2) {
      int c = pushback;
      pushback = -2;
      return c;
    }
    return in.read();
  }

  private void unread(int c) {
    pushback = c;
  }
}
