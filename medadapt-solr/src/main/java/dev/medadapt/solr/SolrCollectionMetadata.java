package dev.medadapt.solr;

import dev.medadapt.rag.embed.EmbedderInfo;
import dev.medadapt.rag.index.AnalyzerSettings;

/**
 * What a MedAdapt collection holds, stored with the collection (a document without searchable
 * fields, {@value SolrCollection#METADATA_ID}) when the SDK creates it and checked whenever a writer
 * or a retriever opens it. The schema is generated from these values, so they also say what the
 * schema must look like.
 *
 * @param format layout version of MedAdapt collections ({@value #FORMAT})
 * @param embedder the passage embedder, or null for a BM25-only collection
 * @param vectorSimilarity Lucene similarity of the vector field ({@code DOT_PRODUCT} for normalized
 *     embedders, {@code COSINE} otherwise, as in the local index), or null for BM25-only
 * @param analyzer analysis of the BM25 fields
 * @param k1 BM25 k1 of the schema's similarity
 * @param b BM25 b of the schema's similarity
 * @param hnswMaxConn HNSW graph degree
 * @param hnswBeamWidth HNSW construction beam width
 * @param luceneVersion Lucene version of the client that created the collection
 */
public record SolrCollectionMetadata(
    int format,
    EmbedderInfo embedder,
    String vectorSimilarity,
    AnalyzerSettings analyzer,
    double k1,
    double b,
    int hnswMaxConn,
    int hnswBeamWidth,
    String luceneVersion) {

  /** Current layout version. */
  public static final int FORMAT = 1;

  /** Whether the collection has a vector field. */
  public boolean dense() {
    return embedder != null;
  }

  /** Human-readable description of the embedder, or "none (BM25 only)". */
  public String describeEmbedder() {
    return EmbedderInfo.describe(embedder);
  }
}
