package dev.medadapt.rag.index;

/** Names of the Lucene fields of a MedAdapt index. */
public final class IndexFields {
  private IndexFields() {}

  /** Chunk id: indexed as one term (for replace-by-id), stored, and as binary doc values. */
  public static final String ID = "id";

  /** Title: BM25-analyzed and stored. */
  public static final String TITLE = "title";

  /**
   * Content: stored; BM25-analyzed as a field of its own only when the index was built with
   * {@code RagIndexWriter.Builder.contentField(true)}. Its words are always searchable through
   * {@link #CONTENTS}.
   */
  public static final String CONTENT = "content";

  /**
   * MedRAG's {@code contents} ({@code title + ". " + content}): BM25-analyzed (title and content as
   * two values of the field, which gives the same terms and length), not stored. The BM25 retriever
   * searches this field by default, like MedRAG's Pyserini index and Anserini's BEIR "flat"
   * baselines. One field rather than BM25F over title and content keeps the scores exactly MedRAG's
   * and lets Lucene skip non-competitive documents (block-max WAND): at 200k passages a BM25F query
   * (Lucene's CombinedFieldQuery) measured 13.1 ms at the median against 1.1 ms (docs/benchmarks.md).
   */
  public static final String CONTENTS = "contents";

  /** Passage embedding (HNSW). */
  public static final String VECTOR = "vector";
}
