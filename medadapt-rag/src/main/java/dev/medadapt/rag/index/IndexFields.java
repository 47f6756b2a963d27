package dev.medadapt.rag.index;

/** Names of the Lucene fields of a MedAdapt index. */
public final class IndexFields {
  private IndexFields() {}

  /** Chunk id: indexed as one term (for replace-by-id), stored, and as binary doc values. */
  public static final String ID = "id";

  /** Title: BM25-analyzed and stored. */
  public static final String TITLE = "title";

  /**
   * Content: stored only. Its words are searchable through {@link #CONTENTS}, which holds title and
   * content; analyzing the content a second time for a field of its own would cost ~40% of BM25
   * indexing time.
   */
  public static final String CONTENT = "content";

  /**
   * MedRAG's {@code contents} ({@code title + ". " + content}): BM25-analyzed, not stored. The BM25
   * retriever searches this field by default, like MedRAG's Pyserini index and Anserini's BEIR
   * "flat" baselines.
   */
  public static final String CONTENTS = "contents";

  /** Passage embedding (HNSW). */
  public static final String VECTOR = "vector";
}
