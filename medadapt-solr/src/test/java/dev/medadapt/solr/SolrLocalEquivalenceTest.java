package dev.medadapt.solr;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.core.testing.TestResources;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.chunk.RecursiveCharacterSplitter;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.embed.HashingEmbedder;
import dev.medadapt.rag.index.IndexReport;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.ireval.MedQuadRetrievalSet;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.DenseRetriever;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.HybridRetriever;
import dev.medadapt.rag.retrieve.Retriever;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same corpus (the MedQuAD sample in testdata/, answers split into 600-character chunks)
 * indexed locally and in an in-process 2-node SolrCloud gives the same BM25 top-10 ids and scores
 * (within 1e-5 relative) on the sample's questions, with one shard and with two shards; Solr's HNSW
 * top-10 overlaps the local exact search's by at least 0.95; hybrid works through HybridRetriever.
 */
class SolrLocalEquivalenceTest {
  @TempDir static Path tmp;
  static SolrTestCluster cluster;
  static RagIndex local;
  static final HashingEmbedder EMBEDDER = new HashingEmbedder(64);
  static List<Chunk> chunks;
  static List<String> questions;

  @BeforeAll
  static void setUp() throws Exception {
    MedQuadRetrievalSet set = MedQuadRetrievalSet.build(TestResources.testdata("rag/medquad_sample.jsonl"));
    chunks = split(set.corpus(), 600);
    questions = new ArrayList<>(new TreeMap<>(set.queries()).values());
    Path dir = tmp.resolve("local");
    try (RagIndexWriter w = RagIndexWriter.builder(dir).embedder(EMBEDDER).build()) {
      w.index(Corpora.of(chunks, "medquad sample"), "k");
    }
    local = RagIndex.open(dir);
    cluster = new SolrTestCluster(2);
  }

  static List<Chunk> split(List<Chunk> corpus, int size) {
    List<Chunk> out = new ArrayList<>();
    try (ChunkSource s = Corpora.splitLong(Corpora.of(corpus, "c"),
        RecursiveCharacterSplitter.builder().chunkSize(size).chunkOverlap(0).build())) {
      for (Chunk c; (c = s.next()) != null; ) {
        out.add(c);
      }
    }
    return out;
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (local != null) {
      local.close();
    }
    if (cluster != null) {
      cluster.shutdown();
    }
  }

  private static SolrCollection indexed(String name, int shards) {
    SolrCollection c = SolrCollection.creator(cluster.target(name)).embedder(EMBEDDER.info()).shards(shards).replicas(1).create();
    try (SolrIndexWriter w = SolrIndexWriter.builder(c).embedder(EMBEDDER).batchSize(200).build()) {
      IndexReport r = w.index(Corpora.of(chunks, "medquad sample"), "k");
      assertThat(r.documentsInIndex()).isEqualTo(chunks.size());
    }
    return c;
  }

  private static void assertSameBm25(SolrCollection c, String label) {
    SameAnswers.Bm25 r = SameAnswers.bm25(Bm25Retriever.builder(local).build(), SolrBm25Retriever.builder(c).build(), questions, 10);
    System.out.printf("BM25 %s: %d docs, %d queries, worst relative score diff %.3g, id mismatches %d, score mismatches %d, "
        + "identical top-10 order %d%n", label, chunks.size(), r.queries(), r.worstRelativeScoreDiff(), r.idMismatches(),
        r.scoreMismatches(), r.exactIdOrder());
    assertThat(r.worstRelativeScoreDiff()).as(label).isLessThanOrEqualTo(1e-5);
    assertThat(r.idMismatches()).as(label).isZero();
    assertThat(r.scoreMismatches()).as(label).isZero();
  }

  @Test
  void oneShardAndTwoShardsRankLikeTheLocalIndex() {
    assertThat(chunks.size()).isGreaterThan(500);
    assertThat(questions.size()).isGreaterThan(150);
    try (SolrCollection one = indexed("eq_one_shard", 1); SolrCollection two = indexed("eq_two_shards", 2)) {
      assertSameBm25(one, "1 shard");
      assertSameBm25(two, "2 shards");

      // a query longer than the 8 KiB request header a GET would need (a MedQA vignette with its options, say) is
      // POSTed and answers as the local index does
      StringBuilder longQuery = new StringBuilder();
      for (int i = 0; longQuery.length() < 10_000; i++) {
        longQuery.append(chunks.get(i).content()).append(' ');
      }
      // ... and has more term occurrences than Solr's 1024 clauses, so repeated terms become boosted clauses
      int occurrences = Bm25Retriever.termCounts(two.analyzer(), dev.medadapt.solr.internal.ConfigSet.CONTENTS,
          longQuery.toString()).values().stream().mapToInt(Integer::intValue).sum();
      assertThat(occurrences).isGreaterThan(SolrBm25Retriever.MAX_CLAUSES);
      SameAnswers.Bm25 r = SameAnswers.bm25(Bm25Retriever.builder(local).build(), SolrBm25Retriever.builder(two).build(),
          List.of(longQuery.toString()), 10);
      assertThat(r.idMismatches()).isZero();
      assertThat(r.scoreMismatches()).isZero();
      assertThat(SolrBm25Retriever.builder(two).build().retrieve(longQuery.toString(), 10)).hasSize(10);

      DenseRetriever exact = DenseRetriever.builder(local, EMBEDDER).mode(DenseRetriever.Mode.EXACT).build();
      for (SolrCollection c : List.of(one, two)) {
        double overlap = SameAnswers.overlap(SolrDenseRetriever.builder(c, EMBEDDER).build(), exact, questions, 10);
        System.out.printf("dense %s: top-10 overlap with local exact search %.4f%n", c.name(), overlap);
        assertThat(overlap).as(c.name()).isGreaterThanOrEqualTo(0.95);
      }

      Retriever solrHybrid = HybridRetriever.builder()
          .add(SolrBm25Retriever.builder(two).build(), 1.0).add(SolrDenseRetriever.builder(two, EMBEDDER).build(), 1.0).build();
      Retriever localHybrid = HybridRetriever.builder()
          .add(Bm25Retriever.builder(local).build(), 1.0).add(exact, 1.0).build();
      double hybrid = SameAnswers.overlap(solrHybrid, localHybrid, questions, 10);
      System.out.printf("hybrid 2 shards: top-10 overlap with the local hybrid %.4f%n", hybrid);
      assertThat(hybrid).isGreaterThanOrEqualTo(0.95);
      List<Hit> h = solrHybrid.retrieve(questions.get(0), 3);
      assertThat(h).hasSize(3);
      assertThat(h.get(0).content()).isNotEmpty();
    }
  }

  @Test
  void otherBm25ParametersGiveOtherScores() {
    // The comparison can fail: a collection with Lucene's classic b = 0.75 does not match the local b = 0.4.
    SolrCollection c = SolrCollection.creator(cluster.target("eq_other_b")).bm25Only().b(0.75).create();
    try (c; SolrIndexWriter w = SolrIndexWriter.builder(c).batchSize(500).build()) {
      w.index(Corpora.of(chunks, "medquad sample"), "k");
      SameAnswers.Bm25 r = SameAnswers.bm25(Bm25Retriever.builder(local).build(), SolrBm25Retriever.builder(c).build(),
          questions.subList(0, 20), 10);
      assertThat(r.worstRelativeScoreDiff()).isGreaterThan(1e-3);
      assertThat(r.scoreMismatches()).isPositive();
    }
  }
}
