package dev.medadapt.rag.embed;

/**
 * Identity of an embedder, as stored in an index's metadata.
 *
 * @param name model name (for example {@code all-MiniLM-L6-v2})
 * @param dimension vector length
 * @param normalized whether vectors are L2-normalized (cosine = dot product)
 * @param pooling {@code mean} or {@code cls}
 */
public record EmbedderInfo(String name, int dimension, boolean normalized, String pooling) {}
