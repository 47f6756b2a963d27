package dev.medadapt.rag.ireval;

import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.core.io.JsonLines;
import com.fasterxml.jackson.databind.JsonNode;
import dev.medadapt.core.DataFormatException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads query files: JSONL with {@code id} (or BEIR's {@code _id}) and {@code text} per line. */
public final class QueryFile {
  private QueryFile() {}

  /** Query id to text, in file order; a bad line is a {@link DataFormatException} naming file and line. */
  public static Map<String, String> readJsonl(Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    JsonLines.forEachObject(file, "queries", BadRowPolicy.FAIL, row -> {
      JsonNode node = row.node();
      long n = row.line();
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
