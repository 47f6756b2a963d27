package dev.medadapt.rag.retrieve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.embed.HashingEmbedder;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.index.TestCorpus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetrieversTest {
  @TempDir static Path tmp;
  static List<Chunk> chunks;
  static RagIndex index;
  static HashingEmbedder embedder = new HashingEmbedder(64);

  @BeforeAll
  static void build() {
    chunks = TestCorpus.chunks(2000, 21);
    Path dir = tmp.resolve("idx");
    try (RagIndexWriter w = RagIndexWriter.builder(dir).embedder(embedder).batchSize(256).build()) {
      w.index(TestCorpus.source(chunks), "k");
    }
    index = RagIndex.open(dir);
  }

  @AfterAll
  static void close() {
    index.close();
  }

  static List<String> queries(int n, long seed) {
    Random r = new Random(seed);
    List<String> q = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      q.add(TestCorpus.WORDS[r.nextInt(TestCorpus.WORDS.length)] + " " + TestCorpus.WORDS[r.nextInt(TestCorpus.WORDS.length)]
          + " " + TestCorpus.WORDS[r.nextInt(TestCorpus.WORDS.length)]);
    }
    return q;
  }

  @Test
  void exactDenseSearchFindsTheDocumentItselfAndHnswRecallIsHigh() {
    DenseRetriever dense = DenseRetriever.builder(index, embedder).build();
    for (int i : new int[] {0, 1234, 1999}) {
      assertThat(dense.retrieveExact(chunks.get(i).contents(), 5).get(0).id()).isEqualTo("doc" + i);
      assertThat(dense.retrieveHnsw(chunks.get(i).contents(), 5).get(0).id()).isEqualTo("doc" + i);
    }
    List<Hit> exact = dense.retrieveExact("fever cough infection", 10);
    assertThat(exact).hasSize(10);
    for (int i = 1; i < exact.size(); i++) {
      assertThat(exact.get(i).score()).isLessThanOrEqualTo(exact.get(i - 1).score());
    }
    // 2000 docs <= default threshold: AUTO is exact
    assertThat(dense.retrieve("fever cough infection", 10)).isEqualTo(exact);
    double recall = dense.hnswRecall(queries(50, 3), 10);
    assertThat(recall).isBetween(0.9, 1.0);
    // a tiny beam loses recall: the check is able to see a difference
    DenseRetriever narrow = DenseRetriever.builder(index, embedder).numCandidates(1).build();
    assertThat(narrow.hnswRecall(queries(50, 3), 10)).isLessThanOrEqualTo(recall);
  }

  @Test
  void eightThreadsGetTheSameResultsAsSequential() throws Exception {
    Retriever bm25 = Bm25Retriever.builder(index).build();
    Retriever dense = DenseRetriever.builder(index, embedder).mode(DenseRetriever.Mode.HNSW).build();
    Retriever exact = DenseRetriever.builder(index, embedder).mode(DenseRetriever.Mode.EXACT).build();
    Retriever hybrid = HybridRetriever.builder().add(bm25, 1).add(dense, 1).rrfK(100).build();
    List<Retriever> all = List.of(bm25, dense, exact, hybrid);
    List<String> qs = queries(24, 5);
    List<List<Hit>> expected = new ArrayList<>();
    for (Retriever r : all) {
      for (String q : qs) {
        expected.add(r.retrieve(q, 10));
      }
    }
    assertThat(expected).allSatisfy(l -> assertThat(l).isNotEmpty());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        long seed = t;
        futures.add(pool.submit(() -> {
          start.await();
          List<Integer> order = new ArrayList<>();
          for (int i = 0; i < expected.size(); i++) {
            order.add(i);
          }
          Collections.shuffle(order, new Random(seed));
          int checked = 0;
          for (int i : order) {
            List<Hit> got = all.get(i / qs.size()).retrieve(qs.get(i % qs.size()), 10);
            assertThat(got).isEqualTo(expected.get(i));
            checked++;
          }
          return checked;
        }));
      }
      start.countDown();
      for (Future<Integer> f : futures) {
        assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(expected.size());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void idFusionOverOneIndexEqualsFusionOfFullHits() {
    Retriever bm25 = Bm25Retriever.builder(index).build();
    Retriever dense = DenseRetriever.builder(index, embedder).mode(DenseRetriever.Mode.HNSW).build();
    HybridRetriever fast = HybridRetriever.builder().add(bm25, 1).add(dense, 0.5).rrfK(100).depth(50).build();
    // lambdas hide the index: the generic path fuses fully loaded hits
    HybridRetriever generic =
        HybridRetriever.builder().add((q, k) -> bm25.retrieve(q, k), 1).add((q, k) -> dense.retrieve(q, k), 0.5).rrfK(100).depth(50).build();
    for (String q : queries(20, 9)) {
      List<Hit> a = fast.retrieve(q, 10);
      assertThat(a).hasSize(10).isEqualTo(generic.retrieve(q, 10));
    }
  }

  @Test
  void parallelFusionEqualsSequentialAndPropagatesFailures() {
    Retriever bm25 = Bm25Retriever.builder(index).build();
    Retriever dense = DenseRetriever.builder(index, embedder).mode(DenseRetriever.Mode.HNSW).build();
    HybridRetriever parallel = HybridRetriever.builder().add(bm25, 1).add(dense, 1).build();
    HybridRetriever sequential = HybridRetriever.builder().add(bm25, 1).add(dense, 1).parallel(false).build();
    for (String q : queries(20, 10)) {
      assertThat(parallel.retrieve(q, 10)).hasSize(10).isEqualTo(sequential.retrieve(q, 10));
    }
    Retriever failing = (q, k) -> {
      throw new ConfigurationException("second retriever failed");
    };
    HybridRetriever broken = HybridRetriever.builder().add(bm25, 1).add(failing, 1).build();
    assertThatThrownBy(() -> broken.retrieve("heart", 5))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("second retriever failed");
  }

  @Test
  void rrfMatchesAHandComputedFusion() {
    Retriever a = (q, k) -> List.of(hit("x", 9), hit("y", 8), hit("z", 7)).subList(0, Math.min(k, 3));
    Retriever b = (q, k) -> List.of(hit("z", 0.9), hit("x", 0.8), hit("w", 0.1)).subList(0, Math.min(k, 3));
    HybridRetriever h = HybridRetriever.builder().add(a, 1.0).add(b, 2.0).rrfK(60).build();
    List<Hit> got = h.retrieve("q", 4);
    // x: 1/61 + 2/62; z: 1/63 + 2/61; y: 1/62; w: 2/63
    assertThat(got).extracting(Hit::id).containsExactly("z", "x", "w", "y");
    assertThat(got.get(0).score()).isCloseTo(1.0 / 63 + 2.0 / 61, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(got.get(1).score()).isCloseTo(1.0 / 61 + 2.0 / 62, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(got.get(2).score()).isCloseTo(2.0 / 63, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(h.retrieve("q", 2)).extracting(Hit::id).containsExactly("z", "x");
    // ties are broken by id
    HybridRetriever tie = HybridRetriever.builder().add((q, k) -> List.of(hit("b", 1)), 1).add((q, k) -> List.of(hit("a", 1)), 1).build();
    assertThat(tie.retrieve("q", 2)).extracting(Hit::id).containsExactly("a", "b");
    assertThatThrownBy(() -> HybridRetriever.builder().build()).isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(() -> HybridRetriever.builder().add(a, 0).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("weight must be a finite number > 0, was 0.0");
  }

  @Test
  void bm25ScoresMatchTheFormula() {
    // one-term query on a 3-doc toy index, checked against BM25 computed by hand (Lucene's idf
    // log(1 + (N - n + 0.5) / (n + 0.5)) and tf normalization with k1 = 0.9, b = 0.4)
    Path dir = tmp.resolve("toy");
    List<Chunk> toy = List.of(new Chunk("1", "", "fever fever cough"), new Chunk("2", "", "cough"), new Chunk("3", "", "rash rash rash rash"));
    try (RagIndexWriter w = RagIndexWriter.builder(dir).bm25Only().build()) {
      w.index(TestCorpus.source(toy), "k");
    }
    try (RagIndex idx = RagIndex.open(dir)) {
      List<Hit> hits = Bm25Retriever.builder(idx).build().retrieve("fever", 3);
      assertThat(hits).extracting(Hit::id).containsExactly("1");
      double idf = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5));
      double avgdl = (3 + 1 + 4) / 3.0;
      double tf = 2;
      double dl = 3;
      double expected = idf * tf / (tf + 0.9 * (1 - 0.4 + 0.4 * dl / avgdl));
      // Lucene stores lengths in a lossy byte (SmallFloat.intToByte4), exact for lengths < 8 ... and (k1+1) factor dropped since 8.0
      assertThat(hits.get(0).score()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
    }
  }

  private static Hit hit(String id, double score) {
    return new Hit(id, "t" + id, "c" + id, score);
  }
}
