package dev.medadapt.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.TextTokenizer;
import dev.medadapt.core.model.Generator;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.model.qwen2.KvCache;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.safetensors.DType;
import dev.medadapt.core.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Load time, peak RSS, prefill and decode speed of the Qwen2 runtime on a checkpoint with the
 * DeepSeek-R1-Distill-Qwen-1.5B architecture (random weights, sharded bf16 safetensors written to a
 * temporary folder), for FP32 and NF4 weights, with decode speed as a fraction of the memory-bandwidth
 * roofline measured in the same run.
 *
 * <pre>
 * ./bench CoreBenchmark [--modes FP32,FP16,BF16,NF4,NF4-FP16,INT8,INT8-FP16] [--prefill 512] [--decode 128] [--dir DIR --keep]
 *                       [--jlama [--tokenizer tokenizer.json]]
 * </pre>
 *
 * <p>{@code --jlama} also times Jlama (com.github.tjake:jlama-core, JDK 21+) on the same checkpoint with
 * the same prompts, in a JVM of its own (medadapt-benchmarks/jlama, built by {@code ./bench}), and prints
 * the decode ratios: MedAdapt FP32 vs Jlama on the stored bf16 weights, MedAdapt NF4 vs Jlama Q4. Jlama
 * needs a tokenizer.json in the folder to load; the Qwen2.5 one from the data folder is copied in (it is
 * never used to decode: both sides work on token ids).
 */
public final class CoreBenchmark {
  // DeepSeek-R1-Distill-Qwen-1.5B config.json (hidden 1536, 28 layers, 12 heads, 2 KV heads,
  // intermediate 8960, vocab 151936, rope_theta 10000, untied embeddings).
  static final int HIDDEN = 1536;
  static final int LAYERS = 28;
  static final int HEADS = 12;
  static final int KV_HEADS = 2;
  static final int INTER = 8960;
  static final int VOCAB = 151936;

  /** Decode tokens per CPU-second of the whole process, per mode (comparable on a shared machine). */
  static final java.util.Map<String, Double> CPU_TPS = new java.util.concurrent.ConcurrentHashMap<>();

  private CoreBenchmark() {}

  /** CPU time of the whole process (all threads, PyTorch's included). */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  public static void main(String[] args) throws Exception {
    List<String> modes = List.of("FP32", "FP16", "NF4", "NF4-FP16");
    int prefill = 512;
    int decode = 128;
    Path dir = null;
    boolean keep = false;
    boolean jlama = false;
    Path tokenizer = Path.of(System.getProperty("medadapt.data", "../shared/data"), "tokenizer_qwen2_5", "tokenizer.json");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--modes" -> modes = List.of(args[++i].toUpperCase(Locale.ROOT).split(","));
        case "--prefill" -> prefill = Integer.parseInt(args[++i]);
        case "--decode" -> decode = Integer.parseInt(args[++i]);
        case "--dir" -> dir = Path.of(args[++i]);
        case "--keep" -> keep = true;
        case "--jlama" -> jlama = true;
        case "--tokenizer" -> tokenizer = Path.of(args[++i]);
        case "--help" -> {
          System.out.println("usage: ./bench CoreBenchmark [--modes FP32,FP16,BF16,NF4,NF4-FP16,INT8,INT8-FP16] [--prefill 512] [--decode 128] [--dir DIR] [--keep] [--jlama [--tokenizer FILE]]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    boolean temp = dir == null;
    if (temp) {
      dir = Files.createTempDirectory("medadapt-core-bench");
    }
    try {
      if (!Files.exists(dir.resolve("config.json"))) {
        long t0 = System.nanoTime();
        writeCheckpoint(dir, 20261125L);
        System.out.printf(Locale.ROOT, "checkpoint: %s, bf16 shards, %.1f GB, written in %.1f s (seed 20261125)%n", dir,
            dirBytes(dir) / 1e9, (System.nanoTime() - t0) / 1e9);
      }
      double sumBw = measureBandwidth();
      System.out.printf(Locale.ROOT, "memory bandwidth (PyTorch sum over a 1 GiB float32 tensor, best of 5): %.1f GB/s%n", sumBw / 1e9);
      int triadThreads = Runtime.getRuntime().availableProcessors();
      double bw = Triad.measure(triadThreads, Triad.DEFAULT_FLOATS, 5);
      System.out.printf(Locale.ROOT, "memory bandwidth (STREAM triad a[i] = b[i] + s*c[i], %d threads, 3 x %d MiB float32,"
          + " 12 bytes per element, best of 5): %.1f GB/s; the decode roofline below uses this figure%n",
          triadThreads, Triad.DEFAULT_FLOATS * 4L >> 20, bw / 1e9);
      double rowF32 = measureRowProduct(DataType.FLOAT32);
      double rowF16 = measureRowProduct(DataType.FLOAT16);
      System.out.printf(Locale.ROOT, "PyTorch one-row product (1 x %d by %d x %d, as a decode step's, the weights streamed"
          + " from memory, best of 3): float32 %.1f GB/s, float16 %.1f GB/s of weights; FP16 decodes faster than FP32 only"
          + " where its figure is above half of float32's (%.2f here)%n", HIDDEN, INTER, HIDDEN, rowF32 / 1e9,
          rowF16 / 1e9, rowF16 / rowF32);
      System.out.printf(Locale.ROOT, "cores: %d, java %s%n", Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"));
      java.util.Map<String, Double> decodeTps = new java.util.LinkedHashMap<>();
      for (String mode : modes) {
        decodeTps.put(mode, run(dir, mode, prefill, decode, bw));
      }
      if (jlama) {
        JlamaPeer.compare(dir, tokenizer, prefill, decode, decodeTps);
      }
    } finally {
      if (temp && !keep) {
        try (Stream<Path> s = Files.walk(dir)) {
          s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  /** Runs one mode and returns its decode tokens/s. */
  private static double run(Path dir, String mode, int prefill, int decode, double bandwidth) throws IOException {
    resetPeakRss();
    long t0 = System.nanoTime();
    Quantization q = quantizationOf(mode);
    Precision precision = precisionOf(mode);
    try (Qwen2Model model = load(dir, q, precision)) {
      double loadS = (System.nanoTime() - t0) / 1e9;
      long rssLoaded = procStatusKb("VmRSS");
      long anonLoaded = procStatusKb("RssAnon");
      long hwmLoad = procStatusKb("VmHWM");
      SplittableRandom rnd = new SplittableRandom(1);
      long[] prompt = new long[prefill];
      for (int i = 0; i < prefill; i++) {
        prompt[i] = rnd.nextInt(VOCAB);
      }
      // Warm-up: one short prefill and decode step (JIT, allocator).
      try (NDManager req = model.manager().newSubManager(); KvCache c = model.newCache(req, 1)) {
        model.forward(req.create(new long[][] {java.util.Arrays.copyOf(prompt, 16)}), null, c).close();
      }
      double prefillS;
      try (NDManager req = model.manager().newSubManager()) {
        long p0 = System.nanoTime();
        NDArray logits = model.forward(req.create(new long[][] {prompt}), null, null, true);
        logits.toFloatArray();
        prefillS = (System.nanoTime() - p0) / 1e9;
      }
      long rssPrefill = procStatusKb("VmRSS");
      int[] promptInts = java.util.Arrays.stream(prompt).mapToInt(x -> (int) x).toArray();
      Generator g = new Generator(model, new NullTokenizer(), Set.of(), 1 << 20);
      long d0 = System.nanoTime();
      long c0 = processCpuNanos();
      Generator.Result r = g.generate(List.of(java.util.Arrays.copyOf(promptInts, 8)),
          GenerationOptions.greedy(decode), (i, t) -> {}).get(0);
      double decodeS = (System.nanoTime() - d0) / 1e9;
      double decodeCpuS = (processCpuNanos() - c0) / 1e9;
      long rssDecode = procStatusKb("VmRSS");
      // Prefill of the 8-token prompt is inside decodeS; it is one extra step out of `decode`.
      double decodeTps = r.tokens().length / decodeS;
      long weightBytes = bytesReadPerToken(q, precision);
      double roofline = bandwidth / weightBytes;
      System.out.printf(Locale.ROOT,
          "%-5s load %.1f s | RSS after load %.2f GB (anonymous %.2f GB), after prefill %.2f GB, after decode %.2f GB,"
              + " peak (VmHWM) during load %.2f GB, overall %.2f GB"
              + " | prefill %d tok: %.1f tok/s | decode %d tok: %.2f tok/s (%.2f per CPU-second)"
              + " | weights read/token %.2f GB -> triad roofline %.2f tok/s, decode at %.0f%% of roofline%n",
          mode, loadS, rssLoaded / 1e6 * 1.024, anonLoaded / 1e6 * 1.024, rssPrefill / 1e6 * 1.024,
          rssDecode / 1e6 * 1.024, hwmLoad / 1e6 * 1.024,
          procStatusKb("VmHWM") / 1e6 * 1.024, prefill, prefill / prefillS,
          r.tokens().length, decodeTps, r.tokens().length / decodeCpuS, weightBytes / 1e9, roofline, 100 * decodeTps / roofline);
      System.out.println("      load average during the run: " + Files.readString(Path.of("/proc/loadavg")).strip()
          + " (other processes share the 2 cores: absolute speeds are lower bounds)");
      CPU_TPS.put(mode, r.tokens().length / decodeCpuS);
      return decodeTps;
    }
  }

  /** The precision of a mode name: FP32, FP16, BF16, NF4, NF4-FP16, INT8 or INT8-FP16. */
  static Precision precisionOf(String mode) {
    return switch (mode) {
      case "FP32", "NF4", "INT8" -> Precision.FP32;
      case "FP16", "NF4-FP16", "INT8-FP16" -> Precision.FP16;
      case "BF16" -> Precision.BF16;
      default -> throw new IllegalArgumentException(
          "modes are FP32, FP16, BF16, NF4, NF4-FP16, INT8, INT8-FP16; was " + mode);
    };
  }

  /** The weight storage of a mode name (checked by {@link #precisionOf}). */
  static Quantization quantizationOf(String mode) {
    precisionOf(mode);
    return mode.startsWith("NF4") ? Quantization.NF4 : mode.startsWith("INT8") ? Quantization.INT8 : Quantization.NONE;
  }

  static Qwen2Model load(Path dir, Quantization q, Precision precision) {
    if (q == Quantization.NF4) {
      return Qwen2Model.load(dir, Device.cpu(), precision,
          dev.medadapt.core.model.qwen2.Nf4Projection.loader(dev.medadapt.core.quant.Nf4Codec.builder().build(), precision));
    }
    if (q == Quantization.INT8) {
      return Qwen2Model.load(dir, Device.cpu(), precision, dev.medadapt.core.model.qwen2.Int8Projection.loader(precision));
    }
    return Qwen2Model.load(dir, Device.cpu(), precision);
  }

  /**
   * Bytes of weights a decode step must stream from memory: every linear layer and lm_head (the
   * embedding lookup reads one row). NF4: 4 bits per weight plus one float32 absmax per 64 weights
   * for the decoder layers (the dequantized copy it writes and the product reads back are not counted:
   * the roofline is that of the packed format); lm_head stays dense at the model's precision. INT8: one byte per
   * weight plus a float32 scale per row, lm_head included.
   */
  static long bytesReadPerToken(Quantization q, Precision precision) {
    int kvDim = KV_HEADS * (HIDDEN / HEADS);
    long perLayer = (long) HIDDEN * HIDDEN * 2 + (long) kvDim * HIDDEN * 2 + 3L * HIDDEN * INTER;
    long layers = perLayer * LAYERS;
    int bytes = precision == Precision.FP32 ? 4 : 2;
    long lmHead = (long) VOCAB * HIDDEN * bytes;
    if (q == Quantization.NF4) {
      // lm_head stays dense; of a BF16 checkpoint (what this benchmark writes, and what the reference model ships),
      // its bfloat16 bits, two bytes a weight.
      return layers / 2 + layers / 64 * 4 + (long) VOCAB * HIDDEN * 2;
    }
    if (q == Quantization.INT8) {
      // One byte per weight and a float32 scale per output row, lm_head included.
      return layers + (long) LAYERS * (3L * HIDDEN + 2L * kvDim + 2L * INTER) * 4 + (long) VOCAB * HIDDEN + VOCAB * 4L;
    }
    return layers * bytes + lmHead;
  }

  /**
   * Float32 arithmetic as PyTorch's GEMM reaches it on all cores (FLOP/s, best of 5 products of two 2048 x 2048
   * matrices): the ceiling of a decode step whose products are bound by arithmetic, as a large batch's are.
   */
  static double measureGemmFlops() {
    int n = 2048;
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
      NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
      a.dot(b).close();
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        try (NDArray c = a.dot(b)) {
          c.getFloat(0, 0);
        }
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      }
      return 2.0 * n * n * n / best;
    }
  }

  /** Multiply-adds of the weight products of one token (28 layers and lm_head): what a step costs per row. */
  static long multiplyAddsPerToken() {
    int kvDim = KV_HEADS * (HIDDEN / HEADS);
    long perLayer = (long) HIDDEN * HIDDEN * 2 + (long) kvDim * HIDDEN * 2 + 3L * HIDDEN * INTER;
    return perLayer * LAYERS + (long) VOCAB * HIDDEN;
  }

  /**
   * Bytes of weights per second that PyTorch's product of one input row reads, for {@code type} weights of the MLP
   * shape ({@code [INTER, HIDDEN]}), taken in turn from a set of about 512 MB so that none stays in cache: the product
   * a dense decode step runs per projection ({@code Linear.linear} on a {@code [1, 1, HIDDEN]} input).
   */
  static double measureRowProduct(DataType type) {
    long bytesPerWeight = type == DataType.FLOAT16 ? 2 : 4;
    long matrixBytes = (long) INTER * HIDDEN * bytesPerWeight;
    int count = (int) Math.max(2, (512L << 20) / matrixBytes);
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      NDArray[] w = new NDArray[count];
      for (int i = 0; i < count; i++) {
        NDArray f = m.randomUniform(-0.05f, 0.05f, new Shape(INTER, HIDDEN));
        w[i] = type == DataType.FLOAT32 ? f : f.toType(type, false);
        if (w[i] != f) {
          f.close();
        }
      }
      NDArray x = m.randomUniform(-1, 1, new Shape(1, 1, HIDDEN)).toType(type, false);
      double best = Double.MAX_VALUE;
      for (int pass = 0; pass < 4; pass++) {
        long t0 = System.nanoTime();
        for (NDArray wi : w) {
          try (NDArray y = ai.djl.nn.core.Linear.linear(x, wi, null).singletonOrThrow()) {
            y.getShape();
          }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (pass > 0) { // the first pass warms up
          best = Math.min(best, s);
        }
      }
      return count * (double) matrixBytes / best;
    }
  }

  /** Read bandwidth as PyTorch's own reduction sees it: the ceiling a memory-bound decode can reach. */
  static double measureBandwidth() {
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      NDArray a = m.ones(new Shape(1L << 28), DataType.FLOAT32); // 1 GiB
      a.sum().getFloat();
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        try (NDArray s = a.sum()) {
          s.getFloat();
        }
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      }
      return (1L << 30) / best;
    }
  }

  static void writeCheckpoint(Path dir, long seed) throws IOException {
    writeCheckpoint(dir, seed, Arch.R1_DISTILL_QWEN_1_5B);
  }

  /** A Qwen2 architecture (config.json fields) for random-weight checkpoints. */
  record Arch(int hidden, int layers, int heads, int kvHeads, int inter, int vocab) {
    static final Arch R1_DISTILL_QWEN_1_5B = new Arch(HIDDEN, LAYERS, HEADS, KV_HEADS, INTER, VOCAB);
  }

  /** Writes config.json and bf16 safetensors shards of {@code arch} with uniform random weights in [-0.02, 0.02). */
  static void writeCheckpoint(Path dir, long seed, Arch arch) throws IOException {
    Files.createDirectories(dir);
    int hidden = arch.hidden();
    int inter = arch.inter();
    int vocab = arch.vocab();
    int headDim = hidden / arch.heads();
    int kvDim = arch.kvHeads() * headDim;
    Files.writeString(dir.resolve("config.json"), String.format(Locale.ROOT, """
        {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": %d,
         "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": %d,
         "num_key_value_heads": %d, "vocab_size": %d, "max_position_embeddings": 131072,
         "rms_norm_eps": 1e-06, "rope_theta": 10000.0, "tie_word_embeddings": false, "hidden_act": "silu",
         "bos_token_id": %d, "eos_token_id": %d, "torch_dtype": "bfloat16"}
        """, hidden, inter, arch.layers(), arch.heads(), arch.kvHeads(), vocab,
        Math.min(151646, vocab - 2), Math.min(151643, vocab - 1)));
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    long[] counter = {seed};
    w.add("model.embed_tokens.weight", DType.BF16, new long[] {vocab, hidden}, random(counter, 0.02f));
    for (int l = 0; l < arch.layers(); l++) {
      String p = "model.layers." + l + ".";
      w.add(p + "input_layernorm.weight", DType.BF16, new long[] {hidden}, constant(1f));
      w.add(p + "post_attention_layernorm.weight", DType.BF16, new long[] {hidden}, constant(1f));
      w.add(p + "self_attn.q_proj.weight", DType.BF16, new long[] {hidden, hidden}, random(counter, 0.02f));
      w.add(p + "self_attn.q_proj.bias", DType.BF16, new long[] {hidden}, random(counter, 0.02f));
      w.add(p + "self_attn.k_proj.weight", DType.BF16, new long[] {kvDim, hidden}, random(counter, 0.02f));
      w.add(p + "self_attn.k_proj.bias", DType.BF16, new long[] {kvDim}, random(counter, 0.02f));
      w.add(p + "self_attn.v_proj.weight", DType.BF16, new long[] {kvDim, hidden}, random(counter, 0.02f));
      w.add(p + "self_attn.v_proj.bias", DType.BF16, new long[] {kvDim}, random(counter, 0.02f));
      w.add(p + "self_attn.o_proj.weight", DType.BF16, new long[] {hidden, hidden}, random(counter, 0.02f));
      w.add(p + "mlp.gate_proj.weight", DType.BF16, new long[] {inter, hidden}, random(counter, 0.02f));
      w.add(p + "mlp.up_proj.weight", DType.BF16, new long[] {inter, hidden}, random(counter, 0.02f));
      w.add(p + "mlp.down_proj.weight", DType.BF16, new long[] {hidden, inter}, random(counter, 0.02f));
    }
    w.add("model.norm.weight", DType.BF16, new long[] {hidden}, constant(1f));
    w.add("lm_head.weight", DType.BF16, new long[] {vocab, hidden}, random(counter, 0.02f));
    // Hugging Face shards this model at 2 GB ("max_shard_size" default 5 GB in newer versions).
    w.writeSharded(dir, 2_000_000_000L);
  }

  private static SafetensorsWriter.FloatSource constant(float v) {
    return (start, chunk, len) -> java.util.Arrays.fill(chunk, 0, len, v);
  }

  /** Uniform values in [-scale, scale) from a per-tensor SplittableRandom, seeded in sequence. */
  private static SafetensorsWriter.FloatSource random(long[] seed, float scale) {
    SplittableRandom rnd = new SplittableRandom(seed[0]++);
    return (start, chunk, len) -> {
      for (int i = 0; i < len; i++) {
        chunk[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
      }
    };
  }

  static long dirBytes(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.mapToLong(p -> p.toFile().length()).sum();
    }
  }

  /** Linux: writing 5 to clear_refs resets VmHWM (proc(5)), so each mode reports its own peak. */
  static void resetPeakRss() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException e) {
      System.out.println("note: cannot reset VmHWM (" + e.getMessage() + "); peaks accumulate across modes");
    }
  }

  static long procStatusKb(String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(key + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /**
   * Decoding text is not what is measured here: each id decodes to one character, so a generator's listener still
   * hears of every token.
   */
  static final class NullTokenizer implements TextTokenizer {
    @Override
    public int[] encode(String text) {
      return new int[0];
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
      return ".".repeat(ids.length);
    }
  }
}
