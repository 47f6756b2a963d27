package dev.medadapt.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.HashingEmbedder;
import dev.medadapt.rag.index.IndexReport;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.ireval.MedQuadRetrievalSet;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.DenseRetriever;
import dev.medadapt.rag.retrieve.HybridRetriever;
import dev.medadapt.rag.retrieve.Retriever;
import dev.medadapt.solr.SolrBm25Retriever;
import dev.medadapt.solr.SolrCollection;
import dev.medadapt.solr.SolrDenseRetriever;
import dev.medadapt.solr.SolrIndexWriter;
import dev.medadapt.solr.SolrTarget;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;
import org.apache.solr.cloud.MiniSolrCloudCluster;

/**
 * Indexing and query speed of medadapt-solr against the local index (its named peer) in the same
 * run, on MedQuAD (16,407 passages): SolrCloud in-process (Solr's MiniSolrCloudCluster, embedded
 * ZooKeeper and Jetty nodes in this JVM) with 1 node / 1 shard and 2 nodes / 2 shards.
 *
 * <pre>
 * ./bench SolrBenchmark [--data PATH/medquad_medrag.jsonl] [--queries 300] [--dim 384] [--seed 42] [--dir TMPDIR]
 * </pre>
 *
 * <p>The embedder is MedAdapt's {@link HashingEmbedder} at {@code --dim} (384, MiniLM's dimension):
 * it costs microseconds, so the numbers are those of the index engines (indexing, BM25, HNSW, the
 * HTTP hops), not of a transformer, whose cost is the same for both back ends (see EmbedBenchmark
 * for that). Queries are {@code --queries} MedQuAD questions drawn with {@code --seed}, one at a time,
 * k = 10, after a warm-up pass. Each measurement prints one {@code SUMMARY} line with the 1-minute
 * load average before and after it (other processes share the cores).
 */
public final class SolrBenchmark {
  private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private SolrBenchmark() {}

  public static void main(String[] args) throws Exception {
    // the in-process cluster logs every request at INFO (set before the first logger is created)
    for (String quiet : new String[] {"org.apache.solr", "org.apache.zookeeper", "org.apache.curator", "org.eclipse.jetty"}) {
      System.setProperty("org.slf4j.simpleLogger.log." + quiet, "warn");
    }
    Path data = Path.of("../shared/data/medquad/medquad_medrag.jsonl");
    int nQueries = 300;
    int dim = 384;
    long seed = 42;
    Path base = Path.of(System.getProperty("java.io.tmpdir"));
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data" -> data = Path.of(args[++i]);
        case "--queries" -> nQueries = Integer.parseInt(args[++i]);
        case "--dim" -> dim = Integer.parseInt(args[++i]);
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--dir" -> base = Path.of(args[++i]);
        default -> {
          System.err.println("unknown argument " + args[i] + "; see the class Javadoc for the options");
          System.exit(2);
        }
      }
    }
    if (!Files.exists(data)) {
      data = Path.of("/work/shared/data/medquad/medquad_medrag.jsonl");
    }
    MedQuadRetrievalSet set = MedQuadRetrievalSet.build(data);
    List<Chunk> chunks = set.corpus();
    List<String> all = new ArrayList<>(new TreeMap<>(set.queries()).values());
    Collections.shuffle(all, new Random(seed));
    List<String> queries = all.subList(0, Math.min(nQueries, all.size()));
    Embedder embedder = new HashingEmbedder(dim);
    Path work = Files.createTempDirectory(base, "medadapt-solrbench");
    System.out.printf(Locale.ROOT, "SolrBenchmark: %d passages, %d queries, hashing embedder dim %d, %d cores, JDK %s, seed %d, load %.2f%n",
        chunks.size(), queries.size(), dim, Runtime.getRuntime().availableProcessors(), Runtime.version(), seed, load());

    double l0 = load();
    Path dir = work.resolve("local");
    IndexReport lr;
    try (RagIndexWriter w = RagIndexWriter.builder(dir).embedder(embedder).build()) {
      lr = w.index(Corpora.of(chunks, "medquad"), "k");
    }
    System.out.printf(Locale.ROOT, "SUMMARY index local passages=%d seconds=%.1f passages_per_s=%.0f load1=%.2f->%.2f%n",
        lr.chunksIndexed(), lr.elapsed().toMillis() / 1e3, lr.chunksPerSecond(), l0, load());
    long chars = 0;
    for (Chunk c : chunks) {
      chars += c.contents().length();
    }
    System.out.printf(Locale.ROOT, "corpus: %.0f characters of contents per passage%n", (double) chars / chunks.size());
    sizes("local", dir, chunks.size());
    try (RagIndex local = RagIndex.open(dir)) {
      Retriever bm25 = Bm25Retriever.builder(local).build();
      // HNSW as Solr searches it (the local AUTO mode would search 16k passages exactly)
      Retriever dense = DenseRetriever.builder(local, embedder).mode(DenseRetriever.Mode.HNSW).build();
      latencies("local", bm25, dense, queries);
    }

    for (int nodes : new int[] {1, 2}) {
      MiniSolrCloudCluster cluster =
          new MiniSolrCloudCluster.Builder(nodes, work.resolve("solr" + nodes)).withMetrics(false).configure();
      try {
        SolrTarget target = SolrTarget.zk(cluster.getZkServer().getZkAddress(), "medquad");
        try (SolrCollection c = SolrCollection.creator(target).embedder(embedder.info()).shards(nodes).create()) {
          l0 = load();
          IndexReport sr;
          try (SolrIndexWriter w = SolrIndexWriter.builder(c).embedder(embedder).batchSize(500).build()) {
            sr = w.index(Corpora.of(chunks, "medquad"), "k");
          }
          System.out.printf(Locale.ROOT,
              "SUMMARY index solr nodes=%d shards=%d passages=%d seconds=%.1f passages_per_s=%.0f load1=%.2f->%.2f%n",
              nodes, nodes, sr.chunksIndexed(), sr.elapsed().toMillis() / 1e3, sr.chunksPerSecond(), l0, load());
          sizes("solr nodes=" + nodes, work.resolve("solr" + nodes), chunks.size());
          latencies("solr nodes=" + nodes + " shards=" + nodes, SolrBm25Retriever.builder(c).build(),
              SolrDenseRetriever.builder(c, embedder).build(), queries);
        }
      } finally {
        cluster.shutdown();
      }
    }
  }

  private static void latencies(String label, Retriever bm25, Retriever dense, List<String> queries) {
    Retriever hybrid = HybridRetriever.builder().add(bm25, 1.0).add(dense, 1.0).build();
    for (String[] kind : new String[][] {{"bm25"}, {"dense"}, {"hybrid"}}) {
      Retriever r = switch (kind[0]) {
        case "bm25" -> bm25;
        case "dense" -> dense;
        default -> hybrid;
      };
      for (String q : queries) {
        r.retrieve(q, 10); // warm-up
      }
      double l0 = load();
      double[] ms = new double[queries.size()];
      for (int i = 0; i < queries.size(); i++) {
        long t = System.nanoTime();
        r.retrieve(queries.get(i), 10);
        ms[i] = (System.nanoTime() - t) / 1e6;
      }
      Arrays.sort(ms);
      System.out.printf(Locale.ROOT, "SUMMARY latency %s %s k=10 queries=%d p50_ms=%.2f p95_ms=%.2f max_ms=%.2f load1=%.2f->%.2f%n",
          label, kind[0], ms.length, ms[ms.length / 2], ms[(int) Math.ceil(ms.length * 0.95) - 1], ms[ms.length - 1], l0, load());
    }
  }

  /** Bytes on disk under {@code dir}: HNSW vectors and graph (.vec/.vex/.vem/.vemf) against everything else. */
  private static void sizes(String label, Path dir, long passages) throws java.io.IOException {
    long[] bytes = new long[2];
    try (var files = Files.walk(dir)) {
      files.filter(Files::isRegularFile).forEach(f -> {
        String n = f.getFileName().toString();
        boolean vector = n.endsWith(".vec") || n.endsWith(".vex") || n.endsWith(".vem") || n.endsWith(".vemf");
        boolean index = n.startsWith("_") || n.startsWith("segments");
        if (index || vector) {
          try {
            bytes[vector ? 0 : 1] += Files.size(f);
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      });
    }
    System.out.printf(Locale.ROOT, "SUMMARY size %s vectors_bytes_per_passage=%.0f other_bytes_per_passage=%.0f total_mb=%.1f%n",
        label, (double) bytes[0] / passages, (double) bytes[1] / passages, (bytes[0] + bytes[1]) / 1e6);
  }

  private static double load() {
    return OS.getSystemLoadAverage();
  }
}
