package dev.medadapt.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.corpus.MedRagJsonlReader;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.EmbedderInfo;
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
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
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
 *     [--phases parse,bm25,query] [--repeat 2] [--cache DIR] [--noise 0.025] [--seed 42]
 *     [--max-conn 16] [--beam-width 100] [--num-candidates 50,100,200] [--hybrid-candidates 100] [--dir TMPDIR]
 * </pre>
 *
 * <p>Phases:
 *
 * <ul>
 *   <li>{@code parse}: JSONL reading alone.
 *   <li>{@code bm25}: BM25-only indexing with {@link RagIndexWriter} against plain Lucene
 *       ({@code IndexWriter} + {@code EnglishAnalyzer}, {@code addDocument}, the same fields: id, title and
 *       content as BM25 fields, title and content stored), on MedQuAD and on the 200k replicated corpus,
 *       alternating {@code --repeat} times. "Per core" is passages per CPU-second of the whole process
 *       (JIT and GC threads included), read from {@code OperatingSystemMXBean.getProcessCpuTime}.
 *   <li>{@code query}: latency p50/p95 at 200k passages for bm25, dense (HNSW at each
 *       {@code --num-candidates}, and exact) and hybrid (RRF), one query at a time, the real MiniLM
 *       query embedding included; HNSW recall@10 against exact search.
 * </ul>
 *
 * <p><b>How the 200k dense corpus is made.</b> Embedding 200k real passages with MiniLM takes hours on
 * two cores, so the 16,407 MedQuAD passages ({@code contents}) are embedded once with the default
 * all-MiniLM-L6-v2 (256 tokens) and cached in {@code --cache} as raw little-endian float32, keyed by
 * the SHA-256 of the corpus file. Copy 0 of the replicated corpus uses these vectors as they are;
 * copy {@code c > 0} of passage {@code i} uses that vector plus Gaussian noise (standard deviation
 * {@code --noise} per dimension, drawn from one {@link SplittableRandom} seeded with {@code --seed} in
 * corpus order), re-normalized to unit length. With the default noise 0.025 a copy has cosine ≈ 0.9
 * to its original, so the 12 copies of a passage are near neighbours but not duplicates. The BM25
 * text of every copy is the original text (ids suffixed {@code #r<copy>}). The built index is cached
 * too, keyed by corpus, size, noise, seed and HNSW parameters.
 *
 * <p>Each measurement prints one {@code SUMMARY} line with the 1-minute load average before and
 * after it (other processes share the cores). Run it under {@code flock /tmp/medadapt-bench.lock}
 * so that benchmarks of different people do not overlap.
 */
public final class RagIndexBenchmark {
  private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private RagIndexBenchmark() {}

  private static final class Options {
    Path data = Path.of("../shared/data/medquad/medquad_medrag.jsonl");
    int target = 200_000;
    int nQueries = 300;
    Set<String> phases = new LinkedHashSet<>(List.of("parse", "bm25", "query"));
    int repeat = 2;
    Path base = Path.of(System.getProperty("java.io.tmpdir"));
    Path cache = Path.of(System.getProperty("java.io.tmpdir"), "medadapt-bench-cache");
    double noise = 0.025;
    long seed = 42;
    int maxConn = 16;
    int beamWidth = 100;
    int[] numCandidates = {50, 100, 200};
    int hybridCandidates = 100;
  }

  public static void main(String[] args) throws Exception {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data" -> o.data = Path.of(args[++i]);
        case "--target" -> o.target = Integer.parseInt(args[++i]);
        case "--queries" -> o.nQueries = Integer.parseInt(args[++i]);
        case "--phases" -> o.phases = new LinkedHashSet<>(List.of(args[++i].split(",")));
        case "--repeat" -> o.repeat = Integer.parseInt(args[++i]);
        case "--dir" -> o.base = Path.of(args[++i]);
        case "--cache" -> o.cache = Path.of(args[++i]);
        case "--noise" -> o.noise = Double.parseDouble(args[++i]);
        case "--seed" -> o.seed = Long.parseLong(args[++i]);
        case "--max-conn" -> o.maxConn = Integer.parseInt(args[++i]);
        case "--beam-width" -> o.beamWidth = Integer.parseInt(args[++i]);
        case "--num-candidates" -> o.numCandidates = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--hybrid-candidates" -> o.hybridCandidates = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("unknown argument " + args[i] + "; see the class Javadoc for the options");
          System.exit(2);
        }
      }
    }
    if (!Files.exists(o.data)) {
      o.data = Path.of("/work/shared/data/medquad/medquad_medrag.jsonl");
    }
    Path work = Files.createTempDirectory(o.base, "medadapt-ragbench");
    System.out.printf(Locale.ROOT, "RagIndexBenchmark: data=%s, %d cores, JDK %s, phases %s, work dir %s, load average %.2f%n",
        o.data, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), o.phases, work,
        OS.getSystemLoadAverage());
    try {
      run(o, work);
    } finally {
      delete(work);
    }
  }

  private static void run(Options o, Path work) throws Exception {
    final Path corpus = o.data;
    int corpusSize = 0;
    try (MedRagJsonlReader r = MedRagJsonlReader.open(corpus, BadRowPolicy.FAIL)) {
      while (r.next() != null) {
        corpusSize++;
      }
    }
    int copies = (o.target + corpusSize - 1) / corpusSize;
    int n200k = o.target;

    if (o.phases.contains("parse")) {
      for (int rep = 0; rep < o.repeat; rep++) {
        Timer t = Timer.start();
        long n = 0;
        try (MedRagJsonlReader r = MedRagJsonlReader.open(corpus, BadRowPolicy.FAIL)) {
          while (r.next() != null) {
            n++;
          }
        }
        t.stop();
        summary("parse-jsonl", "medquad", n, t, "");
      }
    }

    if (o.phases.contains("bm25")) {
      double[] best = new double[4];
      for (int rep = 0; rep < o.repeat; rep++) {
        best[0] = Math.max(best[0], bm25(work.resolve("bm25-medquad-" + rep), () -> Corpora.open(List.of(corpus), BadRowPolicy.FAIL), "medquad"));
        best[1] = Math.max(best[1], peer(work.resolve("peer-medquad-" + rep), () -> Corpora.open(List.of(corpus), BadRowPolicy.FAIL), "medquad"));
        best[2] = Math.max(best[2], bm25(work.resolve("bm25-200k-" + rep), () -> replicated(corpus, copies, n200k), "replicated-" + n200k));
        best[3] = Math.max(best[3], peer(work.resolve("peer-200k-" + rep), () -> replicated(corpus, copies, n200k), "replicated-" + n200k));
        delete(work);
        Files.createDirectories(work);
      }
      System.out.printf(Locale.ROOT,
          "SUMMARY bm25-index-best-of-%d corpus=medquad medadapt=%.0f lucene=%.0f ratio=%.2f | corpus=replicated-%d medadapt=%.0f lucene=%.0f ratio=%.2f passages/CPU-s (goal >= 15000) load1=%.2f%n",
          o.repeat, best[0], best[1], best[0] / best[1], n200k, best[2], best[3], best[2] / best[3], OS.getSystemLoadAverage());
    }

    if (o.phases.contains("query")) {
      query(o, corpus, corpusSize, copies);
    }
  }

  private static void query(Options o, Path corpus, int corpusSize, int copies) throws Exception {
    List<String> questions = questions(corpus, o.nQueries, o.seed);
    Files.createDirectories(o.cache);
    String corpusHash = sha256(corpus);
    try (OnnxEmbedder minilm = OnnxEmbedder.allMiniLmL6V2()) {
      float[][] base = cachedVectors(minilm, corpus, corpusSize, o.cache, corpusHash);
      Path dir =
          o.cache.resolve(String.format(Locale.ROOT, "dense-%s-%d-noise%s-seed%d-m%d-b%d",
              corpusHash.substring(0, 16), o.target, o.noise, o.seed, o.maxConn, o.beamWidth));
      if (!Files.exists(dir.resolve("complete"))) {
        delete(dir);
        ReplayEmbedder replay = new ReplayEmbedder(minilm.info(), base, o.noise, o.seed, o.target);
        Timer t = Timer.start();
        IndexReport r;
        try (RagIndexWriter w =
                RagIndexWriter.builder(dir).embedder(replay).hnswMaxConn(o.maxConn).hnswBeamWidth(o.beamWidth).build();
            ChunkSource src = replicated(corpus, copies, o.target)) {
          r = w.index(src, "bench");
        }
        t.stop();
        summary("dense-index-from-cached-vectors", "replicated-" + o.target, r.chunksIndexed(), t,
            String.format(Locale.ROOT, "maxConn=%d beamWidth=%d noise=%s", o.maxConn, o.beamWidth, o.noise));
        Files.writeString(dir.resolve("complete"), "ok\n");
      } else {
        System.out.println("reusing cached index " + dir);
      }
      try (RagIndex idx = RagIndex.open(dir)) {
        int size = idx.size();
        String at = "@" + size;
        Bm25Retriever bm25 = Bm25Retriever.builder(idx).build();
        latency("bm25" + at, bm25, questions);
        for (int nc : o.numCandidates) {
          DenseRetriever hnsw = DenseRetriever.builder(idx, minilm).mode(DenseRetriever.Mode.HNSW).numCandidates(nc).build();
          latency("dense-hnsw-nc" + nc + at, hnsw, questions);
          Timer t = Timer.start();
          double recall = hnsw.hnswRecall(questions, 10);
          t.stop();
          System.out.printf(Locale.ROOT,
              "SUMMARY hnsw-recall@10 index=%d maxConn=%d beamWidth=%d numCandidates=%d queries=%d recall=%.4f (goal >= 0.95) wall_s=%.1f load1=%.2f%n",
              size, o.maxConn, o.beamWidth, nc, questions.size(), recall, t.wallS(), OS.getSystemLoadAverage());
        }
        DenseRetriever exact = DenseRetriever.builder(idx, minilm).mode(DenseRetriever.Mode.EXACT).build();
        latency("dense-exact" + at, exact, questions);
        DenseRetriever hybridDense =
            DenseRetriever.builder(idx, minilm).mode(DenseRetriever.Mode.HNSW).numCandidates(o.hybridCandidates).build();
        latency("hybrid-rrf-nc" + o.hybridCandidates + at, HybridRetriever.builder().add(bm25, 1).add(hybridDense, 1).build(), questions);
        Timer t = Timer.start();
        for (String q : questions) {
          minilm.embedQuery(q);
        }
        t.stop();
        System.out.printf(Locale.ROOT, "SUMMARY query-embedding-only queries=%d mean_ms=%.2f load1=%.2f%n",
            questions.size(), t.wallS() * 1000 / questions.size(), OS.getSystemLoadAverage());
      }
    }
  }

  /**
   * MiniLM vectors of the corpus passages ({@code contents}), from {@code cache} or computed and cached.
   * The key is the SHA-256 of the corpus and the embedder's identity and max length.
   */
  static float[][] cachedVectors(OnnxEmbedder e, Path corpus, int n, Path cache, String corpusHash) throws IOException {
    int dim = e.info().dimension();
    Path f = cache.resolve(String.format(Locale.ROOT, "%s-%d-%s.f32", e.info().name(), e.maxLength(), corpusHash.substring(0, 16)));
    if (Files.exists(f) && Files.size(f) == (long) n * dim * 4) {
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
      float[][] v = new float[n][dim];
      for (float[] row : v) {
        b.asFloatBuffer().get(row);
        b.position(b.position() + dim * 4);
      }
      System.out.println("loaded cached passage vectors " + f);
      return v;
    }
    List<String> texts = new ArrayList<>(n);
    try (ChunkSource src = Corpora.open(List.of(corpus), BadRowPolicy.FAIL)) {
      for (Chunk c; (c = src.next()) != null; ) {
        texts.add(c.contents());
      }
    }
    float[][] v = new float[n][];
    Timer t = Timer.start();
    int step = 512;
    for (int s = 0; s < n; s += step) {
      List<float[]> part = e.embedPassages(texts.subList(s, Math.min(n, s + step)));
      for (int i = 0; i < part.size(); i++) {
        v[s + i] = part.get(i);
      }
      System.err.printf(Locale.ROOT, "embedding passages for the cache: %d/%d (%.0f s)%n", Math.min(n, s + step), n,
          (System.nanoTime() - t.wall0) / 1e9);
    }
    t.stop();
    summary("minilm-embed-for-cache", "medquad", n, t, "maxLength=" + e.maxLength());
    ByteBuffer b = ByteBuffer.allocate(n * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : v) {
      for (float x : row) {
        b.putFloat(x);
      }
    }
    Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      b.flip();
      while (b.hasRemaining()) {
        ch.write(b);
      }
    }
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return v;
  }

  /**
   * Hands out precomputed vectors in corpus order: copy 0 the cached MiniLM vectors, later copies
   * those plus seeded Gaussian noise, re-normalized. Checks every text against the cached passage's.
   */
  static final class ReplayEmbedder implements Embedder {
    private final EmbedderInfo info;
    private final float[][] base;
    private final double noise;
    private final SplittableRandom random;
    private final int limit;
    private int cursor;

    ReplayEmbedder(EmbedderInfo info, float[][] base, double noise, long seed, int limit) {
      this.info = info;
      this.base = base;
      this.noise = noise;
      this.random = new SplittableRandom(seed);
      this.limit = limit;
    }

    @Override
    public EmbedderInfo info() {
      return info;
    }

    @Override
    public synchronized List<float[]> embedPassages(List<String> passages) {
      List<float[]> out = new ArrayList<>(passages.size());
      for (int j = 0; j < passages.size(); j++) {
        if (cursor >= limit) {
          throw new IllegalStateException("more passages than the replicated corpus has");
        }
        int copy = cursor / base.length;
        float[] b = base[cursor % base.length];
        cursor++;
        if (copy == 0) {
          out.add(b.clone());
          continue;
        }
        float[] v = new float[b.length];
        double sq = 0;
        for (int d = 0; d < v.length; d++) {
          v[d] = (float) (b[d] + noise * gaussian());
          sq += (double) v[d] * v[d];
        }
        double inv = 1 / Math.sqrt(sq);
        for (int d = 0; d < v.length; d++) {
          v[d] = (float) (v[d] * inv);
        }
        out.add(v);
      }
      return out;
    }

    /** A standard normal deviate (Marsaglia's polar method; SplittableRandom has no nextGaussian on JDK 17). */
    private double gaussian() {
      double u;
      double v;
      double s;
      do {
        u = random.nextDouble(-1, 1);
        v = random.nextDouble(-1, 1);
        s = u * u + v * v;
      } while (s >= 1 || s == 0);
      return u * Math.sqrt(-2 * Math.log(s) / s);
    }

    @Override
    public float[] embedQuery(String query) {
      throw new UnsupportedOperationException("replay embedder embeds no queries");
    }

    @Override
    public void close() {}
  }

  private static double bm25(Path dir, Supplier<ChunkSource> src, String corpus) {
    Timer t = Timer.start();
    IndexReport r;
    try (RagIndexWriter w = RagIndexWriter.builder(dir).bm25Only().build();
        ChunkSource s = src.get()) {
      r = w.index(s, "bench");
    }
    t.stop();
    return summary("bm25-index-medadapt", corpus, r.chunksIndexed(), t, "");
  }

  /**
   * The named peer: plain Lucene as its documentation shows it, EnglishAnalyzer, 256 MB RAM buffer,
   * no compound files, addDocument, one commit; the same fields as medadapt's layout (id; title and
   * content BM25-analyzed and stored).
   */
  private static double peer(Path dir, Supplier<ChunkSource> src, String corpus) throws IOException {
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
        doc.add(new TextField("content", c.content(), Field.Store.YES));
        w.addDocument(doc);
        n++;
      }
      w.commit();
    }
    t.stop();
    return summary("bm25-index-lucene-peer", corpus, n, t, "");
  }

  /** Prints one summary line; returns passages per CPU-second. */
  private static double summary(String what, String corpus, long n, Timer t, String extra) {
    double perCpu = n / t.cpuS();
    System.out.printf(Locale.ROOT,
        "SUMMARY %s corpus=%s passages=%d wall_s=%.2f passages_per_s=%.0f cpu_s=%.2f passages_per_cpu_s=%.0f %sload1=%.2f->%.2f%n",
        what, corpus, n, t.wallS(), n / t.wallS(), t.cpuS(), perCpu, extra.isEmpty() ? "" : extra + " ", t.load0, t.load1);
    return perCpu;
  }

  static void latency(String label, Retriever r, List<String> queries) {
    int warm = Math.min(50, queries.size());
    for (int i = 0; i < warm; i++) {
      r.retrieve(queries.get(i), 10);
    }
    double load0 = OS.getSystemLoadAverage();
    double[] ms = new double[queries.size()];
    for (int i = 0; i < queries.size(); i++) {
      long s = System.nanoTime();
      r.retrieve(queries.get(i), 10);
      ms[i] = (System.nanoTime() - s) / 1e6;
    }
    Arrays.sort(ms);
    System.out.printf(Locale.ROOT, "SUMMARY latency %s k=10 queries=%d p50_ms=%.2f p95_ms=%.2f max_ms=%.2f load1=%.2f->%.2f%n",
        label, ms.length, pct(ms, 50), pct(ms, 95), ms[ms.length - 1], load0, OS.getSystemLoadAverage());
  }

  private static double pct(double[] sorted, double p) {
    int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** The corpus read {@code copies} times (ids suffixed {@code #r<copy>}), cut at {@code limit} chunks. */
  static ChunkSource replicated(Path corpus, int copies, int limit) {
    return replicated(corpus, copies, limit, copy -> "");
  }

  /** As {@link #replicated(Path, int, int)}, the content of copy {@code c > 0} followed by {@code marker.apply(c)}. */
  static ChunkSource replicated(Path corpus, int copies, int limit, IntFunction<String> marker) {
    List<Supplier<ChunkSource>> parts = new ArrayList<>();
    for (int c = 0; c < copies; c++) {
      int copy = c;
      parts.add(() -> {
        MedRagJsonlReader r = MedRagJsonlReader.open(corpus, BadRowPolicy.FAIL);
        return new ChunkSource() {
          @Override
          public Chunk next() {
            Chunk x = r.next();
            return x == null ? null : copy == 0 ? x : new Chunk(x.id() + "#r" + copy, x.title(), x.content() + marker.apply(copy));
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

  private static String sha256(Path f) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(f)) {
      byte[] buf = new byte[1 << 16];
      for (int r; (r = in.read(buf)) > 0; ) {
        md.update(buf, 0, r);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static final class Timer {
    long wall0;
    long cpu0;
    long wall;
    long cpu;
    double load0;
    double load1;

    static Timer start() {
      System.gc();
      Timer t = new Timer();
      t.load0 = OS.getSystemLoadAverage();
      t.wall0 = System.nanoTime();
      t.cpu0 = OS.getProcessCpuTime();
      return t;
    }

    void stop() {
      wall = System.nanoTime() - wall0;
      cpu = OS.getProcessCpuTime() - cpu0;
      load1 = OS.getSystemLoadAverage();
    }

    double wallS() {
      return wall / 1e9;
    }

    double cpuS() {
      return cpu / 1e9;
    }
  }
}
