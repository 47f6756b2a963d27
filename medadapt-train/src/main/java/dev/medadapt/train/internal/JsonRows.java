package dev.medadapt.train.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.DataFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads JSON objects from a JSONL file or a file holding one JSON array, keeping each object's line number. */
public final class JsonRows {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private JsonRows() {}

  /** One object and where it starts ({@code file:line}). */
  public record Row(JsonNode node, String source) {
    /** A required string field; a missing or non-string one is an error naming the source and the field. */
    public String text(String field) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        throw new DataFormatException(source + ": missing field '" + field + "'");
      }
      if (!v.isTextual()) {
        throw new DataFormatException(source + ": field '" + field + "' must be a string, was " + v.getNodeType());
      }
      return v.asText();
    }
  }

  /**
   * All objects of {@code file}: a JSON array when the first non-blank character is '[', JSONL otherwise. A file
   * without any object (empty, blank lines only, {@code []}) is an error naming it: training on nothing is a mistake.
   */
  public static List<Row> read(Path file) {
    if (Files.isDirectory(file)) {
      throw new DataFormatException(file + ": is a folder; expected a JSONL file or a JSON array file");
    }
    if (!Files.isRegularFile(file)) {
      throw new DataFormatException("data file not found: " + file);
    }
    try {
      List<Row> rows = firstNonBlank(file) == '[' ? readArray(file) : readJsonl(file);
      if (rows.isEmpty()) {
        throw new DataFormatException(file + ": no rows: the data file is empty (or holds only blank lines or an"
            + " empty JSON array)");
      }
      return rows;
    } catch (IOException e) {
      throw new DataFormatException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static int firstNonBlank(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int c;
      while ((c = r.read()) >= 0) {
        if (c == '\uFEFF' || Character.isWhitespace(c)) {
          continue;
        }
        return c;
      }
      return -1;
    }
  }

  private static List<Row> readJsonl(Path file) throws IOException {
    List<Row> rows = new ArrayList<>();
    try (BufferedReader br = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = br.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        String src = file + ":" + n;
        JsonNode node;
        try {
          node = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
          throw new DataFormatException(src + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
          throw new DataFormatException(src + ": expected a JSON object per line");
        }
        rows.add(new Row(node, src));
      }
    }
    return rows;
  }

  private static List<Row> readArray(Path file) throws IOException {
    List<Row> rows = new ArrayList<>();
    try (JsonParser p = MAPPER.createParser(file.toFile())) {
      try {
        if (p.nextToken() != JsonToken.START_ARRAY) {
          throw new DataFormatException(file + ":1: expected a JSON array");
        }
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          long line = p.currentTokenLocation().getLineNr();
          String src = file + ":" + line;
          if (t == null) {
            throw new DataFormatException(src + ": unexpected end of file inside the JSON array");
          }
          if (t != JsonToken.START_OBJECT) {
            throw new DataFormatException(src + ": expected a JSON object in the array, found " + t);
          }
          rows.add(new Row(MAPPER.readTree(p), src));
        }
      } catch (JsonProcessingException e) {
        long line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
        throw new DataFormatException(file + ":" + line + ": invalid JSON: " + e.getOriginalMessage(), e);
      }
    }
    return rows;
  }
}
