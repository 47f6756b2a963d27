package dev.medadapt.rag.embed;

import java.util.List;

/**
 * Turns text into dense vectors. Passages and queries are embedded separately because some models
 * (bge, e5) prefix them differently. Implementations hold native sessions: close them.
 */
public interface Embedder extends AutoCloseable {

  /** What this embedder is; recorded in index metadata so a mismatched query embedder is refused. */
  EmbedderInfo info();

  /** One vector per passage, in input order; each of length {@code info().dimension()}. */
  List<float[]> embedPassages(List<String> passages);

  /** The vector of a search query. */
  float[] embedQuery(String query);

  @Override
  void close();
}
