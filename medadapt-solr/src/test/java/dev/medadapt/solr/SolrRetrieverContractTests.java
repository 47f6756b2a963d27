package dev.medadapt.solr;

import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.embed.OnnxEmbedder;
import dev.medadapt.rag.retrieve.HybridRetriever;
import dev.medadapt.rag.retrieve.Retriever;
import dev.medadapt.rag.testing.RetrieverContract;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The retriever contract for the SolrCloud retrievers: BM25, dense (HNSW) and hybrid, on one
 * 2-shard collection of an in-process 2-node cluster with all-MiniLM-L6-v2 vectors, created once.
 */
class SolrRetrieverContractTests {
  static SolrTestCluster cluster;
  static OnnxEmbedder minilm;
  static SolrCollection collection;

  @BeforeAll
  static void setUp() throws Exception {
    cluster = new SolrTestCluster(2);
    minilm = OnnxEmbedder.allMiniLmL6V2();
    collection = SolrCollection.creator(cluster.target("contract")).embedder(minilm.info()).shards(2).create();
    try (SolrIndexWriter w = SolrIndexWriter.builder(collection).embedder(minilm).build()) {
      w.index(Corpora.of(RetrieverContract.CORPUS, "contract corpus"), "contract");
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (collection != null) {
      collection.close();
    }
    if (minilm != null) {
      minilm.close();
    }
    if (cluster != null) {
      cluster.shutdown();
    }
  }

  /** The contract indexes its corpus before each test: here it was indexed once, so check it is that corpus. */
  abstract static class SolrContract extends RetrieverContract {
    abstract Retriever over(SolrCollection c);

    @Override
    protected Retriever create(List<Chunk> corpus, Path dir) {
      if (!corpus.equals(RetrieverContract.CORPUS) || collection.documentCount() != corpus.size()) {
        throw new IllegalStateException("the shared collection holds " + collection.documentCount()
            + " documents, not the contract corpus");
      }
      return over(collection);
    }
  }

  @Nested
  class Bm25 extends SolrContract {
    @Override
    Retriever over(SolrCollection c) {
      return SolrBm25Retriever.builder(c).build();
    }
  }

  @Nested
  class Dense extends SolrContract {
    @Override
    Retriever over(SolrCollection c) {
      return SolrDenseRetriever.builder(c, minilm).build();
    }
  }

  @Nested
  class Hybrid extends SolrContract {
    @Override
    Retriever over(SolrCollection c) {
      return HybridRetriever.builder()
          .add(SolrBm25Retriever.builder(c).build(), 1.0)
          .add(SolrDenseRetriever.builder(c, minilm).build(), 1.0)
          .build();
    }
  }
}
