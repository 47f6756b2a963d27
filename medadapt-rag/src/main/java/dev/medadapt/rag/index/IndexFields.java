package dev.medadapt.rag.index;

/** Names of the Lucene fields of a MedAdapt index. */
public final class IndexFields {
  private IndexFields() {}

  /** Chunk id: indexed as one term (for replace-by-id), stored, and as binary doc values. */
  public static final String ID = "id";

  /** Title: BM25-analyzed and stored. */
  public static final String TITLE = "title";

  /**
   * Content: stored, and (since index format 2) BM25-analyzed as a field of its own. In format 1
   * indexes it is stored only and its words are searchable through {@link #CONTENTS}.
   */
  public static final String CONTENT = "content";

  /**
   * MedRAG's {@code contents} ({@code title + ". " + content}), which the BM25 retriever searches by
   * default, like MedRAG's Pyserini index and Anserini's BEIR "flat" baselines. Since index format 2
   * it is not a Lucene field: it is searched as the combination of {@link #TITLE} and
   * {@link #CONTENT} (BM25F with weight 1 each: term frequencies and lengths summed, which is BM25
   * over the concatenated text), so each word is analyzed and indexed once. Format 1 indexes have it
   * as an analyzed, unstored field.
   */
  public static final String CONTENTS = "contents";

  /** Passage embedding (HNSW). */
  public static final String VECTOR = "vector";
}
