package dev.medadapt.study;

import dev.medadapt.rag.retrieve.Retriever;

/**
 * Where the study retrieves from when it does not index the corpus itself: an existing index or a SolrCloud
 * collection (the CLI's {@code --solr-zk}/{@code --solr-url} with {@code --collection}). The RAG arm and the IR
 * baselines search it; the caller opens it before {@link Study#run()} and closes it afterwards.
 */
public interface RetrievalSource {
  /** What it is, for the report and the stage messages, e.g. {@code 206 passages in collection 'cli' (...)}. */
  String describe();

  /** BM25 over its passages. */
  Retriever bm25();

  /**
   * Dense retrieval with a query embedder matching the passages' embedder.
   *
   * @throws dev.medadapt.core.ConfigurationException when it holds no vectors ({@link #embedderDescription()} is null)
   */
  Retriever dense();

  /** The passages' embedder in {@code IndexMetadata.describeEmbedder()}'s words, or null when it is BM25 only. */
  String embedderDescription();
}
