package dev.medadapt.bench.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Jlama's prefill and greedy decode on the checkpoint CoreBenchmark wrote, timed the way CoreBenchmark
 * times MedAdapt: the same seeded 512-token prompt for prefill; decode = an 8-token prompt then N greedy
 * steps with the KV cache, the short prefill included. Prints one line starting with {@code jlama-result}
 * that CoreBenchmark parses.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp ... \
 *   dev.medadapt.bench.jlama.JlamaDecode --dir DIR [--mode BF16|Q4] [--prefill 512] [--decode 128] [--working-q F32|I8]
 * </pre>
 *
 * <p>{@code BF16} computes with the checkpoint's bf16 weights as stored (Jlama widens them inside its
 * kernels); {@code Q4} has Jlama quantize them to its 4-bit format at load, the counterpart of MedAdapt's NF4.
 */
public final class JlamaDecode {
  private JlamaDecode() {}

  public static void main(String[] args) throws Exception {
    Path dir = null;
    String mode = "BF16";
    // Float32 activations: Jlama 0.8.4 has no kernel for its I8 activations against the bf16 q/k/v biases
    // Qwen2 keeps unquantized ("Quantizing sparse tensor is not supported"), so Q4 with I8 fails here.
    DType workingQ = DType.F32;
    int prefill = 512;
    int decode = 128;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[++i]);
        case "--mode" -> mode = args[++i].toUpperCase(Locale.ROOT);
        case "--prefill" -> prefill = Integer.parseInt(args[++i]);
        case "--decode" -> decode = Integer.parseInt(args[++i]);
        case "--working-q" -> workingQ = DType.valueOf(args[++i].toUpperCase(Locale.ROOT));
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (dir == null || !Files.isRegularFile(dir.resolve("config.json")) || !Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      throw new IllegalArgumentException("--dir must name a checkpoint folder with config.json and tokenizer.json, was " + dir);
    }
    Optional<DType> quant = switch (mode) {
      case "BF16" -> Optional.empty();
      case "Q4" -> Optional.of(DType.Q4);
      default -> throw new IllegalArgumentException("--mode must be BF16 or Q4, was " + mode);
    };
    Path work = Files.createTempDirectory("jlama-work");
    long t0 = System.nanoTime();
    AbstractModel model = ModelSupport.loadModel(dir.toFile(), work.toFile(), DType.F32, workingQ, quant, Optional.empty());
    double loadS = (System.nanoTime() - t0) / 1e9;
    int vocab = model.getConfig().vocabularySize;
    long rssLoaded = statusKb("VmRSS");

    SplittableRandom rnd = new SplittableRandom(1); // CoreBenchmark's prompt seed
    int[] prompt = new int[prefill];
    for (int i = 0; i < prefill; i++) {
      prompt[i] = rnd.nextInt(vocab);
    }
    try (KvBufferCache cache = new KvBufferCache(model)) {
      // Warm-up: a 16-token prefill (JIT, thread pools), as CoreBenchmark does.
      model.batchForward(Arrays.copyOf(prompt, 16), 0, cache.getKvBuffer(UUID.randomUUID())).close();

      long p0 = System.nanoTime();
      AbstractTensor out = model.batchForward(prompt, 0, cache.getKvBuffer(UUID.randomUUID()));
      AbstractTensor logits = model.makeDenseTensor(vocab);
      model.sample(out.slice(out.shape().first() - 1), 0f, 0.5f, logits);
      double prefillS = (System.nanoTime() - p0) / 1e9;
      out.close();

      KvBufferCache.KvBuffer kv = cache.getKvBuffer(UUID.randomUUID());
      long d0 = System.nanoTime();
      long c0 = processCpuNanos();
      int[] start = Arrays.copyOf(prompt, 8);
      AbstractTensor h = model.batchForward(start, 0, kv);
      int next = model.sample(h.slice(h.shape().first() - 1), 0f, 0.5f, logits);
      h.close();
      int generated = 1;
      for (int pos = start.length; generated < decode; pos++) {
        AbstractTensor o = model.forward(next, pos, kv, Optional.empty());
        next = model.sample(o, 0f, 0.5f, logits);
        o.close();
        generated++;
      }
      double decodeS = (System.nanoTime() - d0) / 1e9;
      double decodeCpuS = (processCpuNanos() - c0) / 1e9;
      System.out.printf(Locale.ROOT,
          "jlama-result mode=%s load_s=%.2f rss_loaded_gb=%.2f peak_rss_gb=%.2f prefill_tokens=%d prefill_tps=%.2f"
              + " decode_tokens=%d decode_tps=%.3f decode_cpu_tps=%.3f threads=%d java=%s%n",
          mode, loadS, rssLoaded / 1e6 * 1.024, statusKb("VmHWM") / 1e6 * 1.024, prefill, prefill / prefillS,
          generated, generated / decodeS, generated / decodeCpuS, Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"));
    } finally {
      model.close();
      try (var s = Files.walk(work)) {
        s.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  private static long statusKb(String key) throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(key + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /** CPU time of the whole process (all threads), for tokens per CPU-second on a shared machine. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
