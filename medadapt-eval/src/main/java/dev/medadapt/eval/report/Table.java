package dev.medadapt.eval.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.MedAdaptException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A small typed table rendered three ways from the same cells: Markdown (rounded for reading),
 * CSV (RFC 4180, full precision) and JSON (an array of objects keyed by column, full precision;
 * NaN becomes null).
 *
 * @param title heading of the Markdown rendering
 * @param columns column names (snake_case; used as CSV header and JSON keys)
 * @param rows cells: String, Integer/Long, Double or Boolean
 */
public record Table(String title, List<String> columns, List<List<Object>> rows) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public Table {
    columns = List.copyOf(columns);
    rows = rows.stream().map(r -> java.util.Collections.unmodifiableList(new ArrayList<>(r))).toList();
  }

  public static Builder builder(String title) {
    return new Builder(title);
  }

  /** GitHub-flavoured Markdown: accuracies and intervals to 4 decimals, p-values to 4 significant digits. */
  public String toMarkdown() {
    StringBuilder sb = new StringBuilder("### ").append(escapeMd(title)).append("\n\n|");
    columns.forEach(c -> sb.append(' ').append(c).append(" |"));
    sb.append("\n|");
    columns.forEach(c -> sb.append(isText(c) ? " --- |" : " ---: |"));
    sb.append('\n');
    for (List<Object> r : rows) {
      sb.append('|');
      for (int i = 0; i < r.size(); i++) {
        sb.append(' ').append(escapeMd(markdownCell(columns.get(i), r.get(i)))).append(" |");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** CSV with a header line, CRLF line ends (RFC 4180) and shortest round-trip doubles. */
  public String toCsv() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.join(",", columns.stream().map(Table::csvQuote).toList())).append("\r\n");
    for (List<Object> r : rows) {
      List<String> cells = new ArrayList<>();
      for (Object o : r) {
        cells.add(csvQuote(plain(o)));
      }
      sb.append(String.join(",", cells)).append("\r\n");
    }
    return sb.toString();
  }

  /** JSON array of row objects. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(toJsonNode());
    } catch (JsonProcessingException e) {
      throw new MedAdaptException("cannot render table " + title + " as JSON", e);
    }
  }

  /** The rows as a Jackson array (for embedding in a larger document). */
  public ArrayNode toJsonNode() {
    ArrayNode arr = JSON.createArrayNode();
    for (List<Object> r : rows) {
      ObjectNode o = arr.addObject();
      for (int i = 0; i < r.size(); i++) {
        Object v = r.get(i);
        String k = columns.get(i);
        if (v == null || (v instanceof Double d && d.isNaN())) {
          o.putNull(k);
        } else if (v instanceof Double d) {
          o.put(k, d);
        } else if (v instanceof Integer n) {
          o.put(k, n);
        } else if (v instanceof Long n) {
          o.put(k, n);
        } else if (v instanceof Boolean b) {
          o.put(k, b);
        } else {
          o.put(k, v.toString());
        }
      }
    }
    return arr;
  }

  private static boolean isText(String column) {
    return column.equals("run") || column.equals("benchmark") || column.equals("significant");
  }

  private static String markdownCell(String column, Object v) {
    if (v instanceof Double d) {
      if (d.isNaN()) {
        return "n/a";
      }
      if (column.endsWith("_p") || column.equals("p")) {
        return d < 1e-4 ? "<0.0001" : String.format(Locale.ROOT, "%.4g", d);
      }
      return String.format(Locale.ROOT, "%.4f", d);
    }
    return plain(v);
  }

  private static String plain(Object v) {
    if (v == null || (v instanceof Double d && d.isNaN())) {
      return "";
    }
    return v.toString();
  }

  /** Escapes what Markdown or its embedded HTML would interpret inside a table cell. */
  private static String escapeMd(String s) {
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("&", "&amp;")
        .replace("<", "&lt;").replace(">", "&gt;");
  }

  static String csvQuote(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return '"' + s.replace("\"", "\"\"") + '"';
    }
    return s;
  }

  /** Collects columns and rows; every row must have one cell per column. */
  public static final class Builder {
    private final String title;
    private List<String> columns = List.of();
    private final List<List<Object>> rows = new ArrayList<>();

    private Builder(String title) {
      this.title = title;
    }

    public Builder columns(String... names) {
      this.columns = List.of(names);
      return this;
    }

    public Builder row(Object... cells) {
      if (cells.length != columns.size()) {
        throw new ConfigurationException(
            "table " + title + ": row must have " + columns.size() + " cells, had " + cells.length);
      }
      rows.add(Arrays.asList(cells));
      return this;
    }

    public Table build() {
      return new Table(title, columns, rows);
    }
  }
}
