package dev.medadapt.rag.ireval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.rag.internal.TextLines;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads query files: JSONL with {@code id} (or BEIR's {@code _id}) and {@code text} per line. */
public final class QueryFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private QueryFile() {}

  /** Query id to text, in file order; a bad line is a {@link DataFormatException} naming file and line. */
  public static Map<String, String> readJsonl(Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    TextLines.forEach(file, "queries", (n, line) -> {
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (IOException e) {
        throw new DataFormatException(file + ":" + n + ": invalid JSON: " + e.getMessage(), e);
      }
      JsonNode id = node.has("id") ? node.get("id") : node.get("_id");
      JsonNode text = node.get("text");
      if (id == null || id.isNull() || id.asText().isBlank()) {
        throw new DataFormatException(file + ":" + n + ": missing field \"id\" (or \"_id\")");
      }
      if (text == null || !text.isTextual()) {
        throw new DataFormatException(file + ":" + n + ": missing string field \"text\"");
      }
      if (out.put(id.asText(), text.asText()) != null) {
        throw new DataFormatException(file + ":" + n + ": duplicate query id \"" + id.asText() + "\"");
      }
    });
    if (out.isEmpty()) {
      throw new DataFormatException(file + ": no queries");
    }
    return Collections.unmodifiableMap(out);
  }
}
