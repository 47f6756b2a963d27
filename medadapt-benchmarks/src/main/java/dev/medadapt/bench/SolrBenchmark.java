package dev.medadapt.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.corpus.ChunkSource;
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
 *     [--bm25-target 200000]
 * </pre>
 *
 * <p>After the MedQuAD measurements (BM25 + vectors), each back end also indexes {@code --bm25-target}
 * passages BM25-only (MedQuAD replicated as in {@link RagIndexBenchmark}, copies with new ids; 0 skips
 * it) and answers the same BM25 queries. Every index's files are summed by kind (postings
 * .doc/.pos/.pay/.tim/.tip/.tmd, stored fields .fdt/.fdx/.fdm, vectors .vec/.vemf, HNSW graph
 * .vex/.vem, the rest) and printed as bytes per passage: the numbers behind docs/solr.md's sizing table.
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
    int bm25Target = 200_000;
    Path base = Path.of(System.getProperty("java.io.tmpdir"));
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data" -> data = Path.of(args[++i]);
        case "--queries" -> nQueries = Integer.parseInt(args[++i]);
        case "--dim" -> dim = Integer.parseInt(args[++i]);
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--dir" -> base = Path.of(args[++i]);
        case "--bm25-target" -> bm25Target = Integer.parseInt(args[++i]);
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
    int copies = (bm25Target + chunks.size() - 1) / chunks.size();
    Path localBm25 = work.resolve("local-bm25");
    if (bm25Target > 0) {
      l0 = load();
      try (RagIndexWriter w = RagIndexWriter.builder(localBm25).bm25Only().build();
          ChunkSource src = RagIndexBenchmark.replicated(data, copies, bm25Target)) {
        lr = w.index(src, "k");
      }
      System.out.printf(Locale.ROOT, "SUMMARY index-bm25only local passages=%d seconds=%.1f passages_per_s=%.0f load1=%.2f->%.2f%n",
          lr.chunksIndexed(), lr.elapsed().toMillis() / 1e3, lr.chunksPerSecond(), l0, load());
      sizes("local bm25-only", localBm25, lr.chunksIndexed());
      try (RagIndex local = RagIndex.open(localBm25)) {
        latency("local bm25-only passages=" + bm25Target, "bm25", Bm25Retriever.builder(local).build(), queries);
      }
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
          sizesOf("solr nodes=" + nodes, work.resolve("solr" + nodes), "medquad", chunks.size());
          latencies("solr nodes=" + nodes + " shards=" + nodes, SolrBm25Retriever.builder(c).build(),
              SolrDenseRetriever.builder(c, embedder).build(), queries);
        }
        if (bm25Target > 0) {
          SolrTarget big = SolrTarget.zk(cluster.getZkServer().getZkAddress(), "bm25only");
          try (SolrCollection c = SolrCollection.creator(big).bm25Only().shards(nodes).create()) {
            l0 = load();
            IndexReport sr;
            try (SolrIndexWriter w = SolrIndexWriter.builder(c).batchSize(1000).build();
                ChunkSource src = RagIndexBenchmark.replicated(data, copies, bm25Target)) {
              sr = w.index(src, "k");
            }
            System.out.printf(Locale.ROOT,
                "SUMMARY index-bm25only solr nodes=%d shards=%d passages=%d seconds=%.1f passages_per_s=%.0f load1=%.2f->%.2f%n",
                nodes, nodes, sr.chunksIndexed(), sr.elapsed().toMillis() / 1e3, sr.chunksPerSecond(), l0, load());
            sizesOf("solr bm25-only nodes=" + nodes, work.resolve("solr" + nodes), "bm25only", sr.chunksIndexed());
            latency("solr bm25-only passages=" + bm25Target + " nodes=" + nodes + " shards=" + nodes, "bm25",
                SolrBm25Retriever.builder(c).build(), queries);
          }
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
      latency(label, kind[0], r, queries);
    }
  }

  /** One warm-up pass over the queries, then p50/p95/max of one query at a time, k = 10. */
  private static void latency(String label, String kind, Retriever r, List<String> queries) {
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
        label, kind, ms.length, ms[ms.length / 2], ms[(int) Math.ceil(ms.length * 0.95) - 1], ms[ms.length - 1], l0, load());
  }

  /** Bytes on disk under {@code dir} by kind of Lucene file, per passage. */
  private static void sizes(String label, Path dir, long passages) throws java.io.IOException {
    sizesOf(label, dir, null, passages);
  }

  /**
   * As {@link #sizes}, counting only files under a folder whose name contains {@code collection} (a Solr core's
   * folder is named after its collection), or all files when it is null.
   */
  private static void sizesOf(String label, Path dir, String collection, long passages) throws java.io.IOException {
    String[] kinds = {"postings", "stored", "vectors", "graph", "other"};
    long[] bytes = new long[kinds.length];
    try (var files = Files.walk(dir)) {
      files.filter(Files::isRegularFile)
          .filter(f -> collection == null || f.toString().contains(collection))
          .forEach(f -> {
            String n = f.getFileName().toString();
            if (!(n.startsWith("_") || n.startsWith("segments"))) {
              return; // not a Lucene file (metadata, logs, ZooKeeper)
            }
            String ext = n.substring(n.lastIndexOf('.') + 1);
            int kind = switch (ext) {
              case "doc", "pos", "pay", "tim", "tip", "tmd" -> 0;
              case "fdt", "fdx", "fdm" -> 1;
              case "vec", "vemf" -> 2;
              case "vex", "vem" -> 3;
              default -> 4;
            };
            try {
              bytes[kind] += Files.size(f);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
    }
    StringBuilder sb = new StringBuilder();
    long total = 0;
    for (int k = 0; k < kinds.length; k++) {
      sb.append(' ').append(kinds[k]).append("_bytes_per_passage=").append(String.format(Locale.ROOT, "%.1f", (double) bytes[k] / passages));
      total += bytes[k];
    }
    System.out.printf(Locale.ROOT, "SUMMARY size %s passages=%d%s total_mb=%.1f%n", label, passages, sb, total / 1e6);
  }

  private static double load() {
    return OS.getSystemLoadAverage();
  }
}
