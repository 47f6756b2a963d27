package dev.medadapt.rag.embed;

/**
 * Identity of an embedder, as stored in an index's metadata.
 *
 * @param name model name (for example {@code all-MiniLM-L6-v2})
 * @param dimension vector length
 * @param normalized whether vectors are L2-normalized (cosine = dot product)
 * @param pooling {@code mean} or {@code cls}
 */
public record EmbedderInfo(String name, int dimension, boolean normalized, String pooling) {
  /** For messages: name, dimension, normalization and pooling. */
  public String description() {
    return name + " (dimension " + dimension + ", " + (normalized ? "normalized" : "not normalized") + ", " + pooling
        + " pooling)";
  }

  /** {@link #description()} of {@code e}, or "none (BM25 only)" for an index or collection without vectors. */
  public static String describe(EmbedderInfo e) {
    return e == null ? "none (BM25 only)" : e.description();
  }
}
