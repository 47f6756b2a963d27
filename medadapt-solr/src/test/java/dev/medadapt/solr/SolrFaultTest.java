package dev.medadapt.solr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.testing.TestResources;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.EmbedderInfo;
import dev.medadapt.rag.embed.HashingEmbedder;
import dev.medadapt.rag.index.AnalyzerSettings;
import dev.medadapt.rag.index.IndexReport;
import dev.medadapt.rag.ireval.MedQuadRetrievalSet;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.solr.internal.ConfigSet;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.solr.client.solrj.request.CollectionAdminRequest;
import org.apache.solr.client.solrj.request.ConfigSetAdminRequest;
import org.apache.solr.common.SolrInputDocument;
import org.apache.solr.common.util.ContentStreamBase;
import org.apache.solr.embedded.JettySolrRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults on an in-process 2-node SolrCloud: a node stopped during a stream of queries and during
 * indexing (collections of 2 shards x 2 replicas), a writer killed mid-run, and the named errors for
 * an unreachable ZooKeeper, a missing collection, another schema and another embedder.
 */
class SolrFaultTest {
  static SolrTestCluster cluster;
  static List<Chunk> chunks;
  static List<String> questions;
  static final HashingEmbedder EMBEDDER = new HashingEmbedder(64);

  @BeforeAll
  static void setUp() throws Exception {
    MedQuadRetrievalSet set = MedQuadRetrievalSet.build(TestResources.testdata("rag/medquad_sample.jsonl"));
    chunks = SolrLocalEquivalenceTest.split(set.corpus(), 600);
    questions = new ArrayList<>(new TreeMap<>(set.queries()).values());
    cluster = new SolrTestCluster(2);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (cluster != null) {
      cluster.shutdown();
    }
  }

  /** Counts passages embedded. */
  static final class CountingEmbedder implements Embedder {
    final AtomicLong passages = new AtomicLong();

    @Override
    public EmbedderInfo info() {
      return EMBEDDER.info();
    }

    @Override
    public List<float[]> embedPassages(List<String> p) {
      passages.addAndGet(p.size());
      return EMBEDDER.embedPassages(p);
    }

    @Override
    public float[] embedQuery(String q) {
      return EMBEDDER.embedQuery(q);
    }

    @Override
    public void close() {}
  }

  /** Runs {@code action} once, when the {@code at}-th chunk is read. */
  static ChunkSource onRead(List<Chunk> list, int at, Runnable action) {
    ChunkSource inner = Corpora.of(list, "medquad sample");
    return new ChunkSource() {
      int read;

      @Override
      public Chunk next() {
        if (++read == at) {
          action.run();
        }
        return inner.next();
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }

  private static JettySolrRunner stopNode(int i) {
    try {
      JettySolrRunner j = cluster.cluster.stopJettySolrRunner(i);
      cluster.cluster.waitForJettyToStop(j);
      return j;
    } catch (Exception e) {
      throw new IllegalStateException("stopping node " + i, e);
    }
  }

  private static void restart(JettySolrRunner j, String collection) throws Exception {
    cluster.cluster.startJettySolrRunner(j);
    cluster.cluster.waitForNode(j, 60);
    cluster.waitForActive(collection, 2, 2);
  }

  @Test
  void stoppingANodeDuringQueriesLosesNoQuery() throws Exception {
    String name = "fault_queries";
    try (SolrCollection c = SolrCollection.creator(cluster.target(name)).embedder(EMBEDDER.info()).shards(2).replicas(2).create()) {
      cluster.waitForActive(name, 2, 2);
      try (SolrIndexWriter w = SolrIndexWriter.builder(c).embedder(EMBEDDER).batchSize(300).build()) {
        w.index(Corpora.of(chunks, "medquad sample"), "k");
      }
      SolrBm25Retriever bm25 = SolrBm25Retriever.builder(c).build();
      List<String> qs = questions.subList(0, 60);
      List<List<String>> expected = new ArrayList<>();
      for (String q : qs) {
        expected.add(bm25.retrieve(q, 10).stream().map(Hit::id).toList());
      }
      int answered = 0;
      int exact = 0;
      JettySolrRunner stopped = null;
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < qs.size(); i++) {
          if (round == 0 && i == 20) {
            stopped = stopNode(1); // mid-stream; the replicas on node 0 serve both shards from here on
          }
          List<String> got = bm25.retrieve(qs.get(i), 10).stream().map(Hit::id).toList();
          // Every query is answered in full. The surviving replica's segments (and so its not-yet-merged deletions
          // in the BM25 statistics) are its own, which can swap a near-tie at the last rank: at most one of ten.
          assertThat(got).as("round %d query %d", round, i).hasSize(expected.get(i).size());
          long same = got.stream().filter(expected.get(i)::contains).count();
          assertThat(same).as("round %d query %d: %s vs %s", round, i, got, expected.get(i))
              .isGreaterThanOrEqualTo(expected.get(i).size() - 1L);
          exact += same == expected.get(i).size() ? 1 : 0;
          answered++;
        }
      }
      System.out.printf("node stopped during queries: %d of %d queries answered, %d with exactly the expected top-10%n",
          answered, 3 * qs.size(), exact);
      assertThat(answered).isEqualTo(3 * qs.size());
      restart(stopped, name);
    }
  }

  @Test
  void stoppingANodeDuringIndexingEndsWithTheExactCountAfterResume() throws Exception {
    String name = "fault_indexing";
    try (SolrCollection c = SolrCollection.creator(cluster.target(name)).embedder(EMBEDDER.info()).shards(2).replicas(2).create()) {
      cluster.waitForActive(name, 2, 2);
      CountingEmbedder counting = new CountingEmbedder();
      JettySolrRunner[] stopped = new JettySolrRunner[1];
      String failure = "none";
      try (SolrIndexWriter w = SolrIndexWriter.builder(c).embedder(counting).batchSize(25).commitEvery(50).build()) {
        w.index(onRead(chunks, 250, () -> stopped[0] = stopNode(1)), "k");
      } catch (SolrUnavailableException e) {
        failure = e.getMessage(); // allowed: the next run resumes
      }
      restart(stopped[0], name);
      IndexReport second;
      try (SolrIndexWriter w = SolrIndexWriter.builder(c).embedder(counting).batchSize(25).commitEvery(50).build()) {
        second = w.index(Corpora.of(chunks, "medquad sample"), "k");
      }
      System.out.printf("node stopped during indexing: first run failure: %s; second run resumed %d, indexed %d; "
          + "documents %d of %d; passages embedded %d%n", failure, second.chunksResumed(), second.chunksIndexed(),
          c.documentCount(), chunks.size(), counting.passages.get());
      assertThat(c.documentCount()).isEqualTo(chunks.size());
      assertThat(second.documentsInIndex()).isEqualTo(chunks.size());
      assertThat(second.chunksResumed() + second.chunksIndexed()).isEqualTo(chunks.size());
    }
  }

  @Test
  void aKilledWriterResumesWithNothingLostOrDuplicated() {
    String name = "fault_killed";
    try (SolrCollection c = SolrCollection.creator(cluster.target(name)).embedder(EMBEDDER.info()).shards(2).replicas(1).create()) {
      CountingEmbedder counting = new CountingEmbedder();
      try (SolrIndexWriter w = SolrIndexWriter.builder(c).embedder(counting).batchSize(20).commitEvery(100).build()) {
        assertThatThrownBy(() -> w.index(onRead(chunks, 333, () -> {
              throw new IllegalStateException("killed");
            }), "k"))
            .hasMessage("killed");
      }
      long firstRun = counting.passages.get();
      IndexReport r;
      try (SolrIndexWriter w = SolrIndexWriter.builder(c).embedder(counting).batchSize(20).commitEvery(100).build()) {
        r = w.index(Corpora.of(chunks, "medquad sample"), "k");
      }
      assertThat(r.chunksResumed()).isEqualTo(300); // the last checkpoint before chunk 333
      assertThat(firstRun).isEqualTo(320); // 16 batches of 20 were sent before the kill
      assertThat(counting.passages.get() - firstRun).isEqualTo(chunks.size() - 300);
      assertThat(c.documentCount()).isEqualTo(chunks.size());
      // a third run over the same input resumes from the completed checkpoint and sends nothing
      try (SolrIndexWriter w = SolrIndexWriter.builder(c).embedder(counting).build()) {
        IndexReport again = w.index(Corpora.of(chunks, "medquad sample"), "k");
        assertThat(again.chunksIndexed()).isZero();
        assertThat(again.documentsInIndex()).isEqualTo(chunks.size());
      }
    }
  }

  @Test
  void unreachableZooKeeperIsANamedError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed: nothing listens there
    }
    SolrTarget t = SolrTarget.zk("127.0.0.1:" + port + "/solr", "anything").withConnectTimeout(Duration.ofSeconds(3));
    assertThatThrownBy(() -> SolrCollection.open(t))
        .isInstanceOf(SolrUnavailableException.class)
        .hasMessageContaining("ZooKeeper 127.0.0.1:" + port + "/solr")
        .hasMessageContaining("'anything'");
  }

  @Test
  void missingCollectionIsANamedError() {
    assertThatThrownBy(() -> SolrCollection.open(cluster.target("no_such_collection")))
        .isInstanceOf(CollectionNotFoundException.class)
        .hasMessageContaining("'no_such_collection' does not exist");
  }

  @Test
  void collectionsWithAnotherSchemaAreNamedErrors() throws Exception {
    // a collection that is not MedAdapt's at all: no contents/title fields
    String plain = "<schema name=\"plain\" version=\"1.7\"><uniqueKey>id</uniqueKey>"
        + "<fieldType name=\"string\" class=\"solr.StrField\"/><fieldType name=\"plong\" class=\"solr.LongPointField\" docValues=\"true\"/>"
        + "<field name=\"id\" type=\"string\" indexed=\"true\" stored=\"true\" required=\"true\"/>"
        + "<field name=\"_version_\" type=\"plong\" indexed=\"false\" stored=\"false\"/>"
        + "<field name=\"medadapt_state\" type=\"string\" indexed=\"false\" stored=\"true\"/></schema>";
    createRaw("plain_schema", plain);
    writeMetadata("plain_schema", "{\"format\":1,\"analyzer\":{\"stemmer\":\"porter\",\"stopwords\":true},\"k1\":0.9,\"b\":0.4}");
    assertThatThrownBy(() -> SolrCollection.open(cluster.target("plain_schema")))
        .isInstanceOf(CollectionMismatchException.class)
        .hasMessageContaining("'plain_schema'")
        .hasMessageContaining("field 'title' is missing");

    // MedAdapt's layout but another analysis (KStem) than its metadata says (Porter)
    SolrCollectionMetadata kstem = new SolrCollectionMetadata(1, null, null, new AnalyzerSettings("kstem", true), 0.9, 0.4, 16, 100, "9.12.3");
    createRaw("kstem_schema", ConfigSet.schemaXml("kstem_schema", kstem));
    writeMetadata("kstem_schema", "{\"format\":1,\"analyzer\":{\"stemmer\":\"porter\",\"stopwords\":true},\"k1\":0.9,\"b\":0.4}");
    assertThatThrownBy(() -> SolrCollection.open(cluster.target("kstem_schema")))
        .isInstanceOf(CollectionMismatchException.class)
        .hasMessageContaining("field type medadapt_text analyzes with")
        .hasMessageContaining("solr.KStemFilterFactory")
        .hasMessageContaining("solr.PorterStemFilterFactory");

    // right schema, no metadata document
    createRaw("no_metadata", ConfigSet.schemaXml("no_metadata", kstem));
    assertThatThrownBy(() -> SolrCollection.open(cluster.target("no_metadata")))
        .isInstanceOf(CollectionMismatchException.class)
        .hasMessageContaining("was not created by MedAdapt");
  }

  @Test
  void anotherEmbedderIsANamedError() {
    try (SolrCollection c = SolrCollection.creator(cluster.target("embedder_check")).embedder(EMBEDDER.info()).create()) {
      HashingEmbedder other = new HashingEmbedder(32);
      assertThatThrownBy(() -> SolrIndexWriter.builder(c).embedder(other).build())
          .isInstanceOf(CollectionMismatchException.class)
          .hasMessageContaining("'embedder_check'")
          .hasMessageContaining("dimension 64")
          .hasMessageContaining("dimension 32");
      assertThatThrownBy(() -> SolrDenseRetriever.builder(c, other).build())
          .isInstanceOf(CollectionMismatchException.class)
          .hasMessageContaining("query embedder hashing-bow-v1 (dimension 32");
    }
    try (SolrCollection reopened = SolrCollection.open(cluster.target("embedder_check"))) {
      assertThat(reopened.metadata().embedder()).isEqualTo(EMBEDDER.info());
    }
    try (SolrCollection bm25 = SolrCollection.creator(cluster.target("bm25_only")).bm25Only().create()) {
      assertThatThrownBy(() -> SolrDenseRetriever.builder(bm25, EMBEDDER).build())
          .isInstanceOf(CollectionMismatchException.class)
          .hasMessageContaining("BM25-only");
    }
    assertThatThrownBy(() -> SolrCollection.creator(cluster.target("bm25_only")).bm25Only().create())
        .hasMessageContaining("already exists");
  }

  private static void createRaw(String name, String schema) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry("solrconfig.xml"));
      zip.write(ConfigSet.solrconfigXml().getBytes(StandardCharsets.UTF_8));
      zip.putNextEntry(new ZipEntry("schema.xml"));
      zip.write(schema.getBytes(StandardCharsets.UTF_8));
    }
    var client = cluster.cluster.getSolrClient();
    new ConfigSetAdminRequest.Upload().setConfigSetName("raw-" + name)
        .setUploadStream(new ContentStreamBase.ByteArrayStream(bytes.toByteArray(), name + ".zip", "application/zip")).process(client);
    CollectionAdminRequest.createCollection(name, "raw-" + name, 1, 1).process(client);
    cluster.waitForActive(name, 1, 1);
  }

  private static void writeMetadata(String name, String json) throws Exception {
    SolrInputDocument d = new SolrInputDocument();
    d.addField("id", SolrCollection.METADATA_ID);
    d.addField("medadapt_state", json);
    var client = cluster.cluster.getSolrClient();
    client.add(name, d);
    client.commit(name);
  }
}
