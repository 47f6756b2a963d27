package dev.medadapt.rag.retrieve;

import java.util.List;

/** Finds the snippets most relevant to a query. Implementations are thread-safe. */
public interface Retriever {

  /** At most {@code k} hits, best first. */
  List<Hit> retrieve(String query, int k);
}
