package dev.medadapt.rag.index;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.rag.embed.EmbedderInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What an index directory holds, stored next to the Lucene files as {@value #FILE_NAME} (versioned,
 * written atomically: temp file, fsync, rename) and as a copy in every Lucene commit.
 *
 * @param format on-disk format version of the MedAdapt index layout ({@value #FORMAT})
 * @param embedder the passage embedder, or null for a BM25-only index
 * @param vectorSimilarity Lucene similarity of the vector field ({@code DOT_PRODUCT} for normalized
 *     embedders, {@code COSINE} otherwise), or null for BM25-only
 * @param analyzer analysis of the BM25 fields
 * @param luceneVersion Lucene version that created the index
 */
public record IndexMetadata(
    int format, EmbedderInfo embedder, String vectorSimilarity, AnalyzerSettings analyzer, String luceneVersion) {

  /** The metadata file's name inside the index directory. */
  public static final String FILE_NAME = "medadapt-index.json";

  /** Current layout version. */
  public static final int FORMAT = 1;

  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** Whether the index has a vector field. */
  public boolean dense() {
    return embedder != null;
  }

  /** Human-readable description of the embedder, or "none (BM25 only)". */
  public String describeEmbedder() {
    return EmbedderInfo.describe(embedder);
  }

  String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      // Serializing a record of strings and numbers to a String does no I/O; Jackson declares it all the same.
      throw new UncheckedIOException(e);
    }
  }

  static IndexMetadata fromJson(String json, String where) {
    IndexMetadata m;
    try {
      m = JSON.readValue(json, IndexMetadata.class);
    } catch (IOException e) {
      throw new DataFormatException(where + ": unreadable index metadata: " + e.getMessage(), e);
    }
    if (m.format() > FORMAT || m.format() < 1) {
      throw new UnsupportedFeatureException(
          where + ": index format " + m.format() + " is not supported by this version (supports 1.." + FORMAT + ")");
    }
    if (m.analyzer() == null) {
      throw new DataFormatException(where + ": index metadata lacks \"analyzer\"");
    }
    return m;
  }

  /** Reads {@code dir/}{@value #FILE_NAME}; null when absent. */
  static IndexMetadata read(Path dir) {
    Path f = dir.resolve(FILE_NAME);
    if (!Files.exists(f)) {
      return null;
    }
    try {
      return fromJson(Files.readString(f), f.toString());
    } catch (IOException e) {
      throw new DataFormatException(f + ": cannot read index metadata: " + e.getMessage(), e);
    }
  }

  /** Writes {@code dir/}{@value #FILE_NAME} atomically. */
  void write(Path dir) {
    Path f = dir.resolve(FILE_NAME);
    try {
      dev.medadapt.core.io.AtomicFiles.writeString(f, toJson());
    } catch (IOException e) {
      throw new DataFormatException(f + ": cannot write index metadata: " + e.getMessage(), e);
    }
  }
}
