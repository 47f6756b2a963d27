package dev.medadapt.rag.retrieve;

import dev.medadapt.rag.index.RagIndex;
import java.util.List;

/**
 * A retriever over a {@link RagIndex} that can rank ids without loading stored text, so fusion
 * loads only the final hits (loading 2 x 100 stored documents per hybrid query dominated its latency).
 */
interface IdRanker extends Retriever {

  RagIndex index();

  /** The best {@code n} ids, best first. */
  List<ScoredId> rankIds(String query, int n);
}
