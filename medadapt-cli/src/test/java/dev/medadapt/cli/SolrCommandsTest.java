package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.core.testing.TestResources;
import java.nio.file.Path;
import org.apache.solr.cloud.MiniSolrCloudCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * index, search and baseline against a SolrCloud collection (an in-process 2-node cluster) print
 * the same hits and scores as against a local index of the same corpus.
 */
class SolrCommandsTest {
  @TempDir static Path tmp;
  static MiniSolrCloudCluster cluster;
  static String zk;

  @BeforeAll
  static void start() throws Exception {
    System.setProperty("solr.log.dir", tmp.resolve("logs").toString());
    cluster = new MiniSolrCloudCluster.Builder(2, tmp.resolve("solr")).withMetrics(false).configure();
    zk = cluster.getZkServer().getZkAddress();
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.shutdown();
    }
  }

  @Test
  void solrTargetAnswersLikeTheLocalIndex() {
    String corpus = TestResources.testdata("rag/medquad_sample.jsonl").toString();
    Path idx = tmp.resolve("idx");
    RagCommandsTest.Result local = RagCommandsTest.run("index", "--corpus", corpus, "--index", idx.toString(), "--embedder", "hashing:64");
    assertThat(local.code()).as(local.err()).isZero();
    RagCommandsTest.Result solr = RagCommandsTest.run("index", "--corpus", corpus, "--solr-zk", zk, "--collection", "cli",
        "--embedder", "hashing:64", "--shards", "1", "--replicas", "2");
    assertThat(solr.code()).as(solr.err()).isZero();
    assertThat(solr.out()).contains("indexed 206 chunks").contains("collection 'cli'").contains("holds 206 documents");

    for (String mode : new String[] {"bm25", "hybrid"}) {
      String q = "What are the symptoms of glaucoma?";
      RagCommandsTest.Result a = RagCommandsTest.run("search", "--index", idx.toString(), "--query", q, "--mode", mode, "--k", "5");
      RagCommandsTest.Result b = RagCommandsTest.run("search", "--solr-zk", zk, "--collection", "cli", "--query", q, "--mode", mode, "--k", "5");
      assertThat(a.code()).as(a.err()).isZero();
      assertThat(b.code()).as(b.err()).isZero();
      // one shard: even documents with tied scores come in the local order (two shards may order ties differently)
      assertThat(b.out()).as(mode).isEqualTo(a.out()).contains(" 1. medquad_");
    }

    String[] baseline = {"baseline", "--dataset", "medqa", "--data", TestResources.testdata("eval/medqa_sample.jsonl").toString()};
    RagCommandsTest.Result bl = RagCommandsTest.run(concat(baseline, "--index", idx.toString()));
    RagCommandsTest.Result bs = RagCommandsTest.run(concat(baseline, "--solr-zk", zk, "--collection", "cli"));
    assertThat(bl.code()).as(bl.err()).isZero();
    assertThat(bs.code()).as(bs.err()).isZero();
    assertThat(bs.out()).isEqualTo(bl.out());

    RagCommandsTest.Result missing = RagCommandsTest.run("search", "--solr-zk", zk, "--collection", "nope", "--query", "x");
    assertThat(missing.code()).isNotZero();
    assertThat(missing.err()).contains("collection 'nope' does not exist");
  }

  @Test
  void studyRetrievesFromTheCollectionInsteadOfIndexingTheCorpus() throws Exception {
    String corpus = TestResources.testdata("rag/medquad_sample.jsonl").toString();
    RagCommandsTest.Result indexed = RagCommandsTest.run("index", "--corpus", corpus, "--solr-zk", zk, "--collection", "study",
        "--embedder", "hashing:64", "--shards", "2", "--replicas", "1");
    assertThat(indexed.code()).as(indexed.err()).isZero();
    Path out = tmp.resolve("study");
    RagCommandsTest.Result r = RagCommandsTest.run("study", "--out", out.toString(), "--n", "2", "--arms", "rag",
        "--baselines", "ir-bm25,ir-hybrid", "--solr-zk", zk, "--collection", "study", "--no-progress");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("retrieve from 206 passages in collection 'study' at ZooKeeper " + zk);
    // nothing indexed locally: the RAG arm and both baselines searched the collection
    assertThat(out.resolve("index")).doesNotExist();
    for (String run : new String[] {"base", "rag", "ir-bm25", "ir-hybrid"}) {
      assertThat(dev.medadapt.eval.run.RunLog.read(out.resolve("runs").resolve(run).resolve("records.jsonl")).records())
          .as(run).hasSize(8);
    }
    String settings = java.nio.file.Files.readString(out.resolve("study-settings.json"));
    assertThat(settings).contains("206 passages in collection 'study'");
    String md = java.nio.file.Files.readString(out.resolve("study.md"));
    assertThat(md).contains("bm25 over 206 passages in collection 'study'")
        .contains("hybrid rrf-k=60 (bm25 + hashing-bow-v1 (dimension 64");

    // a BM25-only collection cannot serve the dense baselines: a named error, not a stack trace
    RagCommandsTest.Result bm25Only = RagCommandsTest.run("index", "--corpus", corpus, "--solr-zk", zk, "--collection", "bm25only",
        "--bm25-only", "--shards", "1", "--replicas", "1");
    assertThat(bm25Only.code()).as(bm25Only.err()).isZero();
    RagCommandsTest.Result refused = RagCommandsTest.run("study", "--out", tmp.resolve("study2").toString(), "--n", "2",
        "--arms", "rag", "--baselines", "ir-dense", "--solr-zk", zk, "--collection", "bm25only", "--no-progress");
    assertThat(refused.code()).isNotZero();
    assertThat(refused.err()).contains("is BM25 only").doesNotContain("Exception");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
