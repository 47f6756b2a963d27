package dev.medadapt.solr;

import org.apache.solr.client.solrj.SolrRequest;
import dev.medadapt.core.Ensure;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Retriever;
import dev.medadapt.solr.internal.ConfigSet;
import java.util.List;
import org.apache.solr.client.solrj.SolrQuery;

/**
 * Dense retrieval over a Solr collection's HNSW vector field with Solr's {@code knn} parser. Each
 * shard searches its graph for the best {@code max(k, numCandidates)} (a wider beam, as the local
 * {@code DenseRetriever} and Elasticsearch do for recall) and Solr merges the shards' answers. Scores
 * are Lucene's, as in the local index: (1 + cos) / 2. The query embedder must be the collection's
 * passage embedder. Thread-safe if the embedder is.
 *
 * <pre>{@code
 * Retriever dense = SolrDenseRetriever.builder(collection, embedder).build();
 * }</pre>
 */
public final class SolrDenseRetriever implements Retriever {
  private final SolrCollection collection;
  private final Embedder embedder;
  private final int numCandidates;

  private SolrDenseRetriever(Builder b) {
    this.collection = b.collection;
    this.embedder = b.embedder;
    this.numCandidates = b.numCandidates;
  }

  public static Builder builder(SolrCollection collection, Embedder embedder) {
    return new Builder(collection, embedder);
  }

  @Override
  public List<Hit> retrieve(String query, int k) {
    Ensure.positive(k, "k");
    float[] v = embedder.embedQuery(query);
    StringBuilder vec = new StringBuilder(v.length * 12).append('[');
    for (int i = 0; i < v.length; i++) {
      vec.append(i == 0 ? "" : ",").append(v[i]);
    }
    SolrQuery q = new SolrQuery();
    q.setQuery("{!knn f=" + ConfigSet.VECTOR + " topK=" + Math.max(k, numCandidates) + " v=$vec}");
    q.set("vec", vec.append(']').toString());
    q.setRows(k);
    q.setFields(ConfigSet.ID, ConfigSet.TITLE, ConfigSet.CONTENT, "score");
    return Results.hits(collection.call("dense search", () -> collection.client().query(collection.name(), q, SolrRequest.METHOD.POST)));
  }

  /** Builder. */
  public static final class Builder {
    private final SolrCollection collection;
    private final Embedder embedder;
    private int numCandidates = 100;

    private Builder(SolrCollection collection, Embedder embedder) {
      this.collection = collection;
      this.embedder = embedder;
    }

    /** Candidates each shard's HNSW search keeps, in [1, 10000]; default 100, the local DenseRetriever's. */
    public Builder numCandidates(int numCandidates) {
      this.numCandidates = numCandidates;
      return this;
    }

    public SolrDenseRetriever build() {
      Ensure.notNull(collection, "collection");
      Ensure.notNull(embedder, "embedder");
      Ensure.between(numCandidates, 1, 10_000, "numCandidates");
      collection.checkQueryEmbedder(embedder.info());
      return new SolrDenseRetriever(this);
    }
  }
}
