package dev.medadapt.rag.retrieve;

import java.util.List;

/** Reorders candidate hits by a finer relevance model (for example a cross-encoder). */
public interface Reranker extends AutoCloseable {

  /** The best {@code k} of {@code hits} for {@code query}, best first, scores replaced by the reranker's. */
  List<Hit> rerank(String query, List<Hit> hits, int k);

  @Override
  void close();
}
