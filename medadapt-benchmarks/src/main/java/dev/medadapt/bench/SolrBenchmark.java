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
import java.util.function.Supplier;
import org.apache.solr.cloud.MiniSolrCloudCluster;

/**
 * Indexing and query speed of medadapt-solr against the local index (its named peer) in the same
 * run, on MedQuAD (16,407 passages) and on a replicated corpus of {@code --target} passages:
 * SolrCloud in-process (Solr's MiniSolrCloudCluster, embedded ZooKeeper and Jetty nodes in this JVM)
 * with 1 node / 1 shard and 2 nodes / 2 shards.
 *
 * <pre>
 * ./bench SolrBenchmark [--data PATH/medquad_medrag.jsonl] [--target 200000] [--queries 300] [--dim 384] [--seed 42]
 *     [--dir TMPDIR]
 * </pre>
 *
 * <p>Each back end (local index, Solr 1 node, Solr 2 nodes) indexes BM25 and vectors for MedQuAD and
 * then for {@code --target} passages ({@code --bm25-target} is an older name for it; 0 skips this
 * phase), and answers the same bm25, dense (HNSW, in the local index too) and hybrid
 * ({@link HybridRetriever} over the two) queries on each. The {@code --target} corpus is MedQuAD
 * replicated as in {@link RagIndexBenchmark} (copies with new ids {@code #r<copy>}, cut at the
 * target), except that the content of copy {@code c > 0} ends with the marker {@code " [copy c rc]"}
 * ({@link #copyMarker}): it is both indexed and embedded, so no two copies of a passage have the same
 * text or the same vector and HNSW is not built over exact duplicates (the two marker words give each
 * copy its own hashed features). The markers never match a query word that matters (they are a
 * number and {@code r<number>}), so BM25 and dense scores of the copies differ only slightly. Every
 * index's files are summed by kind (postings .doc/.pos/.pay/.tim/.tip/.tmd, stored fields
 * .fdt/.fdx/.fdm, vectors .vec/.vemf, HNSW graph .vex/.vem, the rest) and printed as bytes per
 * passage: the numbers behind docs/solr.md's sizing table. The indexes stay under {@code --dir}
 * (about 2.3 KB per passage with vectors at dimension 384, per back end): delete them after the run.
 *
 * <p>The embedder is MedAdapt's {@link HashingEmbedder} at {@code --dim} (384, MiniLM's dimension):
 * it costs microseconds, so the numbers are those of the index engines (indexing, BM25, HNSW, the
 * HTTP hops), not of a transformer, whose cost is the same for both back ends (see EmbedBenchmark
 * for that). Queries are {@code --queries} MedQuAD questions drawn with {@code --seed}, one at a time,
 * k = 10, after a warm-up pass. Each measurement prints one {@code SUMMARY} line with the 1-minute
 * load average before and after it (other processes share the cores); index and latency lines name
 * the number of passages searched.
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
    int target = 200_000;
    Path base = Path.of(System.getProperty("java.io.tmpdir"));
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data" -> data = Path.of(args[++i]);
        case "--queries" -> nQueries = Integer.parseInt(args[++i]);
        case "--dim" -> dim = Integer.parseInt(args[++i]);
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--dir" -> base = Path.of(args[++i]);
        case "--target", "--bm25-target" -> target = Integer.parseInt(args[++i]);
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

    long chars = 0;
    for (Chunk c : chunks) {
      chars += c.contents().length();
    }
    System.out.printf(Locale.ROOT, "corpus: %.0f characters of contents per passage%n", (double) chars / chunks.size());
    Path file = data;
    int n = target;
    int copies = (n + chunks.size() - 1) / chunks.size();
    Supplier<ChunkSource> medquad = () -> Corpora.of(chunks, "medquad");
    Supplier<ChunkSource> large = () -> RagIndexBenchmark.replicated(file, copies, n, SolrBenchmark::copyMarker);
    local(work.resolve("local"), medquad, embedder, queries);
    if (n > 0) {
      local(work.resolve("local-" + n), large, embedder, queries);
    }
    for (int nodes : new int[] {1, 2}) {
      Path solrDir = work.resolve("solr" + nodes);
      MiniSolrCloudCluster cluster = new MiniSolrCloudCluster.Builder(nodes, solrDir).withMetrics(false).configure();
      try {
        String zk = cluster.getZkServer().getZkAddress();
        solr(zk, solrDir, nodes, "medquad", medquad, embedder, queries);
        if (n > 0) {
          solr(zk, solrDir, nodes, "replicated" + n, large, embedder, queries);
        }
      } finally {
        cluster.shutdown();
      }
    }
  }

  /** Text appended to the content of copy {@code copy > 0} of the replicated corpus (see the class Javadoc). */
  static String copyMarker(int copy) {
    return " [copy " + copy + " r" + copy + "]";
  }

  /** Indexes {@code corpus} (BM25 + vectors) in a local index at {@code dir}, prints its sizes and query latencies. */
  private static void local(Path dir, Supplier<ChunkSource> corpus, Embedder embedder, List<String> queries) throws Exception {
    double l0 = load();
    IndexReport r;
    try (RagIndexWriter w = RagIndexWriter.builder(dir).embedder(embedder).build();
        ChunkSource src = corpus.get()) {
      r = w.index(src, "k");
    }
    indexed("local", r, l0);
    sizes("local", dir, r.chunksIndexed());
    try (RagIndex local = RagIndex.open(dir)) {
      Retriever bm25 = Bm25Retriever.builder(local).build();
      // HNSW as Solr searches it (the local AUTO mode would search 16k passages exactly)
      Retriever dense = DenseRetriever.builder(local, embedder).mode(DenseRetriever.Mode.HNSW).build();
      latencies("local passages=" + r.chunksIndexed(), bm25, dense, queries);
    }
  }

  /**
   * Indexes {@code corpus} (BM25 + vectors) into a new collection of {@code nodes} shards on the cluster at {@code zk}
   * (whose nodes keep their cores under {@code solrDir}), prints its sizes and query latencies.
   */
  private static void solr(String zk, Path solrDir, int nodes, String collection, Supplier<ChunkSource> corpus,
      Embedder embedder, List<String> queries) throws Exception {
    String label = "solr nodes=" + nodes + " shards=" + nodes;
    try (SolrCollection c =
        SolrCollection.creator(SolrTarget.zk(zk, collection)).embedder(embedder.info()).shards(nodes).create()) {
      double l0 = load();
      IndexReport r;
      try (SolrIndexWriter w = SolrIndexWriter.builder(c).embedder(embedder).batchSize(500).build();
          ChunkSource src = corpus.get()) {
        r = w.index(src, "k");
      }
      indexed(label, r, l0);
      sizesOf("solr nodes=" + nodes, solrDir, collection, r.chunksIndexed());
      latencies(label + " passages=" + r.chunksIndexed(), SolrBm25Retriever.builder(c).build(),
          SolrDenseRetriever.builder(c, embedder).build(), queries);
    }
  }

  private static void indexed(String label, IndexReport r, double load0) {
    System.out.printf(Locale.ROOT, "SUMMARY index %s passages=%d seconds=%.1f passages_per_s=%.0f load1=%.2f->%.2f%n",
        label, r.chunksIndexed(), r.elapsed().toMillis() / 1e3, r.chunksPerSecond(), load0, load());
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
