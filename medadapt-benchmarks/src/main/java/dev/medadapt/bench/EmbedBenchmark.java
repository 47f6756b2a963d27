package dev.medadapt.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import dev.medadapt.rag.embed.OnnxEmbedder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Dense embedding throughput on MedQuAD (MedRAG format, field {@code contents}): MedAdapt's default
 * {@link OnnxEmbedder} (all-MiniLM-L6-v2, length-sorted batches) against LangChain4j's
 * {@code AllMiniLmL6V2EmbeddingModel.embedAll} + {@code InMemoryEmbeddingStore.addAll}, same model
 * file, same passages, same JVM.
 *
 * <pre>
 * ./bench EmbedBenchmark [--data FILE] [--limit N] [--batch-size B] [--threads T] [--parallelism P]
 *                        [--max-lengths 256,128] [--skip-peer]
 * </pre>
 *
 * Defaults: {@code --data ../shared/data/medquad/medquad_medrag.jsonl} (relative to the repository),
 * all passages, the embedder's default batch size and threading (one intra-op thread, one batch per core).
 * Both wall-clock and process CPU time are reported: the machine may be shared.
 *
 * <p>Token budgets differ: MedAdapt's default truncates at 256 tokens (all-MiniLM-L6-v2's
 * sentence-transformers max_seq_length). LangChain4j splits texts into pieces of 510 tokens but then
 * re-encodes each piece with the bundled tokenizer.json, whose truncation (128 tokens) still applies,
 * so it embeds at most 128 tokens per piece. The like-for-like ratio is therefore MedAdapt at
 * maxLength 128 against LangChain4j (their vectors agree for texts of up to 510 tokens, which the run
 * checks; for longer texts LangChain4j embeds several 128-token pieces and averages them); the
 * 256-token run is printed as well.
 */
public final class EmbedBenchmark {
  private EmbedBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of("../shared/data/medquad/medquad_medrag.jsonl");
    if (!Files.exists(data)) {
      data = Path.of("/work/shared/data/medquad/medquad_medrag.jsonl");
    }
    int limit = Integer.MAX_VALUE;
    int batch = 8;
    int threads = 0;
    int parallelism = 0;
    int[] maxLengths = {256, 128};
    boolean peer = true;
    boolean int8 = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data" -> data = Path.of(args[++i]);
        case "--limit" -> limit = Integer.parseInt(args[++i]);
        case "--batch-size" -> batch = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--parallelism" -> parallelism = Integer.parseInt(args[++i]);
        case "--max-lengths" -> maxLengths = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--skip-peer" -> peer = false;
        case "--int8" -> int8 = true;
        default -> {
          System.err.println("usage: EmbedBenchmark [--data FILE] [--limit N] [--batch-size B] [--threads INTRA_OP] [--parallelism P] [--max-lengths 256,128] [--skip-peer] [--int8]");
          System.exit(2);
        }
      }
    }
    List<String> passages = read(data, limit);
    System.out.printf("EmbedBenchmark: %d passages from %s, %d cores, java %s%n",
        passages.size(), data, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    printLengths(passages);
    List<String> warm = passages.subList(0, Math.min(64, passages.size()));

    Run ours256 = null;
    Run ours128 = null;
    for (int maxLength : maxLengths) {
      Run r = runOurs(passages, warm, maxLength, batch, threads, parallelism);
      if (maxLength == 256) {
        ours256 = r;
      } else if (maxLength == 128) {
        ours128 = r;
      }
    }
    if (int8 && ours128 != null) {
      runInt8(passages, warm, batch, ours128, peer);
    }
    if (!peer || ours128 == null) {
      return;
    }
    AllMiniLmL6V2EmbeddingModel model = new AllMiniLmL6V2EmbeddingModel();
    List<TextSegment> segments = passages.stream().map(TextSegment::from).toList();
    model.embedAll(segments.subList(0, warm.size()));
    long t0 = System.nanoTime();
    double c0 = cpuSeconds();
    InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
    List<Embedding> embeddings = model.embedAll(segments).content();
    store.addAll(embeddings, segments);
    Run theirs = new Run(rate(passages.size(), t0), passages.size() / (cpuSeconds() - c0), null);
    System.out.printf("SUMMARY embed langchain4j AllMiniLmL6V2EmbeddingModel+InMemoryEmbeddingStore passages=%d passages_per_s=%.1f passages_per_cpu_s=%.1f load1=%.2f%n",
        passages.size(), theirs.rate(), theirs.perCpuSecond(), loadAverage());
    System.out.printf("SUMMARY embed ratio medadapt(128)/langchain4j (same vectors for texts <= 510 tokens; longer ones are several 128-token pieces for langchain4j; goal >= 1.5x): %.2fx wall, %.2fx per cpu-second load1=%.2f%n",
        ours128.rate() / theirs.rate(), ours128.perCpuSecond() / theirs.perCpuSecond(), loadAverage());
    if (ours256 != null) {
      System.out.printf("SUMMARY embed ratio medadapt(256)/langchain4j (up to twice the tokens per passage): %.2fx wall, %.2fx per cpu-second%n",
          ours256.rate() / theirs.rate(), ours256.perCpuSecond() / theirs.perCpuSecond());
    }
    // Same-work check: LangChain4j keeps tokenizer.json's truncation (128 tokens) for texts of up to
    // 510 tokens, so its vectors should equal ours at maxLength 128 there.
    double minCos = 1;
    int compared = 0;
    try (HuggingFaceTokenizer tok = minilmTokenizer()) {
      for (int i = 0; i < passages.size(); i++) {
        if (tok.encode(passages.get(i)).getIds().length <= 510) {
          minCos = Math.min(minCos, cosine(ours128.vectors().get(i), embeddings.get(i).vector()));
          compared++;
        }
      }
    }
    System.out.printf("agreement medadapt(128) vs langchain4j on the %d passages of <= 510 tokens: min cosine %.6f%n", compared, minCos);
  }

  /**
   * The int8 preset at 128 tokens: cosine of its vectors to the fp32 preset's, its speed, and LangChain4j's own
   * int8 model (the same ONNX file, through its OnnxEmbeddingModel) on the same passages.
   */
  private static void runInt8(List<String> passages, List<String> warm, int batch, Run fp32, boolean peer) throws IOException {
    Run ours;
    try (OnnxEmbedder e = OnnxEmbedder.allMiniLmL6V2Int8Builder().maxLength(128).batchSize(batch).build()) {
      e.embedPassages(warm);
      long t0 = System.nanoTime();
      double c0 = cpuSeconds();
      List<float[]> v = e.embedPassages(passages);
      ours = new Run(rate(passages.size(), t0), passages.size() / (cpuSeconds() - c0), v);
    }
    double minCos = 1;
    double sumCos = 0;
    for (int i = 0; i < passages.size(); i++) {
      double c = cosine(ours.vectors().get(i), fp32.vectors().get(i));
      minCos = Math.min(minCos, c);
      sumCos += c;
    }
    System.out.printf("SUMMARY embed medadapt OnnxEmbedder int8 maxLength=128 batch=%d passages=%d passages_per_s=%.1f"
            + " passages_per_cpu_s=%.1f (%.2fx fp32 per cpu-second) cosine to fp32: mean %.6f min %.6f load1=%.2f%n",
        batch, passages.size(), ours.rate(), ours.perCpuSecond(), ours.perCpuSecond() / fp32.perCpuSecond(),
        sumCos / passages.size(), minCos, loadAverage());
    if (!peer) {
      return;
    }
    Path tmp = Files.createTempDirectory("minilm-q");
    try {
      for (String r : List.of("all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json")) {
        try (InputStream in = EmbedBenchmark.class.getClassLoader().getResourceAsStream(r)) {
          Files.copy(in, tmp.resolve(r));
        }
      }
      dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel model = new dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel(
          tmp.resolve("all-minilm-l6-v2-q.onnx").toString(), tmp.resolve("all-minilm-l6-v2-q-tokenizer.json").toString(),
          dev.langchain4j.model.embedding.onnx.PoolingMode.MEAN);
      List<TextSegment> segments = passages.stream().map(TextSegment::from).toList();
      model.embedAll(segments.subList(0, warm.size()));
      long t0 = System.nanoTime();
      double c0 = cpuSeconds();
      InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
      store.addAll(model.embedAll(segments).content(), segments);
      Run theirs = new Run(rate(passages.size(), t0), passages.size() / (cpuSeconds() - c0), null);
      System.out.printf("SUMMARY embed langchain4j int8 OnnxEmbeddingModel(all-minilm-l6-v2-q)+InMemoryEmbeddingStore"
              + " passages=%d passages_per_s=%.1f passages_per_cpu_s=%.1f; ratio medadapt int8/langchain4j int8 %.2fx wall,"
              + " %.2fx per cpu-second load1=%.2f%n", passages.size(), theirs.rate(), theirs.perCpuSecond(),
          ours.rate() / theirs.rate(), ours.perCpuSecond() / theirs.perCpuSecond(), loadAverage());
    } finally {
      try (var s = Files.walk(tmp)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** Passages per wall-clock second, per CPU-second of the whole process (native threads included). */
  private record Run(double rate, double perCpuSecond, List<float[]> vectors) {}

  /** CPU time of this process; on a shared machine this is steadier than wall time. */
  private static double cpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime() / 1e9;
  }

  private static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static Run runOurs(List<String> passages, List<String> warm, int maxLength, int batch, int threads, int parallelism) {
    OnnxEmbedder.Builder b = OnnxEmbedder.allMiniLmL6V2Builder().maxLength(maxLength).batchSize(batch);
    if (threads > 0) {
      b.intraOpThreads(threads);
    }
    if (parallelism > 0) {
      b.parallelism(parallelism);
    }
    try (OnnxEmbedder e = b.build()) {
      e.embedPassages(warm);
      long t0 = System.nanoTime();
      double c0 = cpuSeconds();
      List<float[]> v = e.embedPassages(passages);
      Run run = new Run(rate(passages.size(), t0), passages.size() / (cpuSeconds() - c0), v);
      System.out.printf("SUMMARY embed medadapt OnnxEmbedder maxLength=%d batch=%d intraOp=%d parallelism=%d passages=%d passages_per_s=%.1f passages_per_cpu_s=%.1f load1=%.2f%n",
          maxLength, batch, threads, parallelism, passages.size(), run.rate(), run.perCpuSecond(), loadAverage());
      return run;
    }
  }

  private static void printLengths(List<String> passages) throws IOException {
    int over256 = 0;
    int over512 = 0;
    long tokens = 0;
    try (HuggingFaceTokenizer tok = minilmTokenizer()) {
      for (String p : passages) {
        int n = tok.encode(p).getIds().length;
        tokens += n;
        over256 += n > 256 ? 1 : 0;
        over512 += n > 512 ? 1 : 0;
      }
    }
    System.out.printf("tokens/passage (untruncated, with [CLS]/[SEP]): mean %.0f; > 256: %d; > 512: %d%n",
        (double) tokens / passages.size(), over256, over512);
  }

  private static HuggingFaceTokenizer minilmTokenizer() throws IOException {
    try (InputStream in = EmbedBenchmark.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
      return HuggingFaceTokenizer.newInstance(in, Map.of("padding", "false", "truncation", "false"));
    }
  }

  private static double rate(int n, long t0) {
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  private static List<String> read(Path file, int limit) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while (out.size() < limit && (line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode row = json.readTree(line);
        out.add(row.has("contents") ? row.get("contents").asText() : row.get("title").asText() + ". " + row.get("content").asText());
      }
    }
    return out;
  }
}
