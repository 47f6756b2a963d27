package dev.medadapt.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.corpus.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.corpus.MedRagJsonlReader;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.HashingEmbedder;
import dev.medadapt.rag.embed.OnnxEmbedder;
import dev.medadapt.rag.index.IndexReport;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.DenseRetriever;
import dev.medadapt.rag.retrieve.HybridRetriever;
import dev.medadapt.rag.retrieve.Retriever;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;

/**
 * Indexing and query speed of medadapt-rag on MedQuAD (16,407 passages) and on a corpus made by
 * replicating it to 200k passages, against plain Lucene as the named peer in the same run.
 *
 * <pre>
 * ./bench RagIndexBenchmark [--data PATH/medquad_medrag.jsonl] [--target 200000] [--queries 300]
 *                           [--embedder hashing|minilm] [--dense-target N] [--dir TMPDIR]
 * </pre>
 *
 * Reports, each with the JVM's process CPU time so "per core" is passages per CPU-second:
 * JSONL parse rate; BM25 indexing (MedQuAD, 200k) vs plain Lucene {@code addDocument} with
 * {@code EnglishAnalyzer}; BM25 query latency p50/p95 at 200k; dense indexing, dense (HNSW and
 * exact) and hybrid query latency (query embedding included) and HNSW recall@10 vs exact.
 */
public final class RagIndexBenchmark {
  private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private RagIndexBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of("../shared/data/medquad/medquad_medrag.jsonl");
    int target = 200_000;
    int nQueries = 300;
    int denseTarget = 0;
    String embedderName = "hashing";
    Path base = Path.of(System.getProperty("java.io.tmpdir"));
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data" -> data = Path.of(args[++i]);
        case "--target" -> target = Integer.parseInt(args[++i]);
        case "--queries" -> nQueries = Integer.parseInt(args[++i]);
        case "--embedder" -> embedderName = args[++i];
        case "--dense-target" -> denseTarget = Integer.parseInt(args[++i]);
        case "--dir" -> base = Path.of(args[++i]);
        default -> {
          System.err.println("unknown argument " + args[i]);
          System.exit(2);
        }
      }
    }
    if (!Files.exists(data)) {
      data = Path.of("/work/shared/data/medquad/medquad_medrag.jsonl");
    }
    Path work = Files.createTempDirectory(base, "medadapt-ragbench");
    System.out.printf(Locale.ROOT, "RagIndexBenchmark: data=%s, %d cores, JDK %s, work dir %s%n",
        data, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), work);
    try {
      run(data, target, nQueries, embedderName, denseTarget, work);
    } finally {
      try (var walk = Files.walk(work)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void run(Path data, int target, int nQueries, String embedderName, int denseTarget, Path work) throws Exception {
    List<String> questions = questions(data, nQueries, 42);
    final Path corpus = data;

    // 1. parse only
    Timer t = Timer.start();
    long n = 0;
    try (MedRagJsonlReader r = MedRagJsonlReader.open(corpus, BadRowPolicy.FAIL)) {
      while (r.next() != null) {
        n++;
      }
    }
    t.stop();
    System.out.printf(Locale.ROOT, "parse JSONL           %,9d passages  %6.2f s  %,9.0f passages/s  (CPU %.2f s)%n", n, t.wallS(), n / t.wallS(), t.cpuS());
    int corpusSize = (int) n;

    // 2. BM25, MedQuAD: medadapt vs plain Lucene
    bm25(work.resolve("bm25-medquad"), () -> Corpora.open(List.of(corpus), BadRowPolicy.FAIL), "BM25 index MedQuAD");
    peer(work.resolve("peer-medquad"), () -> Corpora.open(List.of(corpus), BadRowPolicy.FAIL), "Lucene peer MedQuAD");

    // 3. BM25 at ~200k
    int copies = (target + corpusSize - 1) / corpusSize;
    Path big = work.resolve("bm25-200k");
    bm25(big, () -> replicated(corpus, copies, target), "BM25 index " + target);
    peer(work.resolve("peer-200k"), () -> replicated(corpus, copies, target), "Lucene peer " + target);

    // 4. BM25 query latency at 200k
    try (RagIndex idx = RagIndex.open(big)) {
      latency("bm25 @" + idx.size(), Bm25Retriever.builder(idx).build(), questions);
    }

    // 5. dense / hybrid
    int dn = denseTarget > 0 ? denseTarget : corpusSize;
    int dcopies = (dn + corpusSize - 1) / corpusSize;
    try (Embedder e = embedderName.equals("minilm") ? OnnxEmbedder.allMiniLmL6V2() : new HashingEmbedder(384)) {
      Path dense = work.resolve("dense");
      Timer dt = Timer.start();
      IndexReport r;
      try (RagIndexWriter w = RagIndexWriter.builder(dense).embedder(e).batchSize(64).build();
          ChunkSource src = replicated(corpus, dcopies, dn)) {
        r = w.index(src, "bench");
      }
      dt.stop();
      System.out.printf(Locale.ROOT, "dense index (%s)  %,9d passages  %6.2f s  %,9.0f passages/s  (CPU %.2f s)%n",
          e.info().name(), r.chunksIndexed(), dt.wallS(), r.chunksIndexed() / dt.wallS(), dt.cpuS());
      try (RagIndex idx = RagIndex.open(dense)) {
        DenseRetriever hnsw = DenseRetriever.builder(idx, e).mode(DenseRetriever.Mode.HNSW).build();
        DenseRetriever exact = DenseRetriever.builder(idx, e).mode(DenseRetriever.Mode.EXACT).build();
        Retriever bm25 = Bm25Retriever.builder(idx).build();
        latency("bm25 @" + idx.size(), bm25, questions);
        latency("dense hnsw @" + idx.size(), hnsw, questions);
        latency("dense exact @" + idx.size(), exact, questions);
        latency("hybrid rrf @" + idx.size(), HybridRetriever.builder().add(bm25, 1).add(hnsw, 1).build(), questions);
        System.out.printf(Locale.ROOT, "HNSW recall@10 vs exact over %d queries: %.4f%n", questions.size(), hnsw.hnswRecall(questions, 10));
      }
    }
  }

  private static void bm25(Path dir, Supplier<ChunkSource> src, String label) {
    Timer t = Timer.start();
    IndexReport r;
    try (RagIndexWriter w = RagIndexWriter.builder(dir).bm25Only().build();
        ChunkSource s = src.get()) {
      r = w.index(s, "bench");
    }
    t.stop();
    report(label, r.chunksIndexed(), t);
  }

  /** The named peer: plain Lucene, same analyzer family, addDocument, one commit. */
  private static void peer(Path dir, Supplier<ChunkSource> src, String label) throws IOException {
    Timer t = Timer.start();
    long n = 0;
    IndexWriterConfig cfg = new IndexWriterConfig(new EnglishAnalyzer());
    cfg.setRAMBufferSizeMB(256);
    cfg.setUseCompoundFile(false);
    try (FSDirectory d = FSDirectory.open(dir);
        IndexWriter w = new IndexWriter(d, cfg);
        ChunkSource s = src.get()) {
      for (Chunk c; (c = s.next()) != null; ) {
        Document doc = new Document();
        doc.add(new StringField("id", c.id(), Field.Store.YES));
        doc.add(new TextField("title", c.title(), Field.Store.YES));
        doc.add(new StoredField("content", c.content()));
        doc.add(new TextField("contents", c.contents(), Field.Store.NO));
        w.addDocument(doc);
        n++;
      }
      w.commit();
    }
    t.stop();
    report(label, n, t);
  }

  private static void report(String label, long n, Timer t) {
    System.out.printf(Locale.ROOT, "%-21s %,9d passages  %6.2f s  %,9.0f passages/s  CPU %.2f s = %,9.0f passages/CPU-s%n",
        label, n, t.wallS(), n / t.wallS(), t.cpuS(), n / t.cpuS());
  }

  private static void latency(String label, Retriever r, List<String> queries) {
    int warm = Math.min(50, queries.size());
    for (int i = 0; i < warm; i++) {
      r.retrieve(queries.get(i), 10);
    }
    double[] ms = new double[queries.size()];
    for (int i = 0; i < queries.size(); i++) {
      long s = System.nanoTime();
      r.retrieve(queries.get(i), 10);
      ms[i] = (System.nanoTime() - s) / 1e6;
    }
    Arrays.sort(ms);
    System.out.printf(Locale.ROOT, "latency %-22s k=10  %d queries  p50 %.2f ms  p95 %.2f ms  max %.2f ms%n",
        label, ms.length, pct(ms, 50), pct(ms, 95), ms[ms.length - 1]);
  }

  private static double pct(double[] sorted, double p) {
    int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** The corpus read {@code copies} times (ids suffixed {@code #r<copy>}), cut at {@code limit} chunks. */
  static ChunkSource replicated(Path corpus, int copies, int limit) {
    List<Supplier<ChunkSource>> parts = new ArrayList<>();
    for (int c = 0; c < copies; c++) {
      int copy = c;
      parts.add(() -> {
        MedRagJsonlReader r = MedRagJsonlReader.open(corpus, BadRowPolicy.FAIL);
        return new ChunkSource() {
          @Override
          public Chunk next() {
            Chunk x = r.next();
            return x == null ? null : copy == 0 ? x : new Chunk(x.id() + "#r" + copy, x.title(), x.content());
          }

          @Override
          public void close() {
            r.close();
          }
        };
      });
    }
    ChunkSource all = Corpora.concat(parts, corpus + " x" + copies);
    return new ChunkSource() {
      long n;

      @Override
      public Chunk next() {
        return n++ < limit ? all.next() : null;
      }

      @Override
      public void close() {
        all.close();
      }
    };
  }

  /** MedQuAD questions (the "question" field), a seeded sample. */
  static List<String> questions(Path data, int n, long seed) throws IOException {
    ObjectMapper m = new ObjectMapper();
    List<String> all = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(data)) {
      for (String line; (line = r.readLine()) != null; ) {
        JsonNode q = m.readTree(line).get("question");
        if (q != null) {
          all.add(q.asText());
        }
      }
    }
    java.util.Collections.shuffle(all, new Random(seed));
    return List.copyOf(all.subList(0, Math.min(n, all.size())));
  }

  private static final class Timer {
    long wall0;
    long cpu0;
    long wall;
    long cpu;

    static Timer start() {
      System.gc();
      Timer t = new Timer();
      t.wall0 = System.nanoTime();
      t.cpu0 = OS.getProcessCpuTime();
      return t;
    }

    void stop() {
      wall = System.nanoTime() - wall0;
      cpu = OS.getProcessCpuTime() - cpu0;
    }

    double wallS() {
      return wall / 1e9;
    }

    double cpuS() {
      return cpu / 1e9;
    }
  }
}
