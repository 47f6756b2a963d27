package dev.medadapt.bench;

import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LoglikelihoodResult;
import dev.medadapt.core.model.Generator;
import dev.medadapt.core.model.LoglikelihoodScorer;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Evaluation throughput on the 1.5B shape (the checkpoint {@link CoreBenchmark} writes): aggregate greedy decode
 * tokens/s of {@link Generator} at several batch sizes (one KV cache, left-padded prompts of different lengths),
 * and multiple-choice questions per second of log-likelihood scoring per option against shared-prefix scoring
 * (4 options, single-token and multi-token continuations).
 *
 * <pre>
 * ./bench EvalSpeedBenchmark --dir DIR [--mode FP16] [--batches 1,4,16] [--decode 32] [--mc 4] [--context 256]
 * </pre>
 */
public final class EvalSpeedBenchmark {
  private EvalSpeedBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = null;
    String mode = "FP16";
    List<Integer> batches = List.of(1, 4, 16);
    int decode = 32;
    int mc = 4;
    int context = 256;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[++i]);
        case "--mode" -> mode = args[++i].toUpperCase(Locale.ROOT);
        case "--batches" -> batches = java.util.Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
        case "--decode" -> decode = Integer.parseInt(args[++i]);
        case "--mc" -> mc = Integer.parseInt(args[++i]);
        case "--context" -> context = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: --dir DIR [--mode FP16] [--batches 1,4,16] [--decode 32] [--mc 4] [--context 256]");
      }
    }
    if (dir == null) {
      throw new IllegalArgumentException("--dir DIR is required (a checkpoint folder; written there when absent)");
    }
    if (!Files.exists(dir.resolve("config.json"))) {
      CoreBenchmark.writeCheckpoint(dir, 20261125L);
    }
    Quantization q = CoreBenchmark.quantizationOf(mode);
    Precision precision = CoreBenchmark.precisionOf(mode);
    double flops = CoreBenchmark.measureGemmFlops();
    long macs = CoreBenchmark.multiplyAddsPerToken();
    System.out.printf(Locale.ROOT, "float32 GEMM (PyTorch, 2048 x 2048 x 2048, %d cores, best of 5): %.1f GFLOP/s; a token's"
        + " weight products are %.2f G multiply-adds, so decoding bound by float32 arithmetic tops out at %.1f tok/s"
        + " aggregate at any batch size%n", Runtime.getRuntime().availableProcessors(), flops / 1e9, macs / 1e9,
        flops / (2.0 * macs));
    int triadThreads = Runtime.getRuntime().availableProcessors();
    double bandwidth = Triad.measure(triadThreads, Triad.DEFAULT_FLOATS, 5);
    long weightBytes = CoreBenchmark.bytesReadPerToken(q, precision);
    System.out.printf(Locale.ROOT, "memory bandwidth (STREAM triad, %d threads, best of 5): %.1f GB/s; a decode step"
        + " reads %.2f GB of %s weights, so one sequence decodes at most %.2f tok/s (the triad roofline)%n",
        triadThreads, bandwidth / 1e9, weightBytes / 1e9, mode, bandwidth / weightBytes);
    try (Qwen2Model model = CoreBenchmark.load(dir, q, precision)) {
      Generator g = new Generator(model, new CoreBenchmark.NullTokenizer(), Set.of(), 1 << 20);
      g.generate(List.of(new int[] {1, 2, 3}), GenerationOptions.greedy(2), (r, t) -> {}); // warm-up
      double base = 0;
      double decodeBase = 0;
      for (int b : batches) {
        List<int[]> prompts = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(7);
        for (int r = 0; r < b; r++) {
          int len = 8 + rnd.nextInt(25); // 8..32 tokens: the batch is left-padded
          prompts.add(rnd.ints(len, 0, CoreBenchmark.VOCAB).toArray());
        }
        String load = Files.readString(Path.of("/proc/loadavg")).strip();
        long t0 = System.nanoTime();
        long c0 = CoreBenchmark.processCpuNanos();
        // The first token of each row comes from the prompt's prefill; the time after it is decoding alone.
        long[] firstToken = {0};
        long[] cpuAtFirst = {0};
        List<Generator.Result> rs = g.generate(prompts, GenerationOptions.greedy(decode), (r, t) -> {
          if (firstToken[0] == 0) {
            firstToken[0] = System.nanoTime();
            cpuAtFirst[0] = CoreBenchmark.processCpuNanos();
          }
        });
        long t1 = System.nanoTime();
        double s = (t1 - t0) / 1e9;
        double cpu = (CoreBenchmark.processCpuNanos() - c0) / 1e9;
        long tokens = rs.stream().mapToLong(r -> r.tokens().length).sum();
        double tps = tokens / s;
        // Tokens after each row's first, over the time after the first token was out (a batch's first tokens all come
        // from its one prefill pass).
        double decodeSeconds = (t1 - firstToken[0]) / 1e9;
        double decodeCpu = (CoreBenchmark.processCpuNanos() - cpuAtFirst[0]) / 1e9;
        double dtps = (tokens - b) / decodeSeconds;
        if (b == batches.get(0)) {
          base = tps;
          decodeBase = dtps;
        }
        System.out.printf(Locale.ROOT,
            "SUMMARY %s generate batch %d: %d tokens in %.1f s = %.2f tok/s aggregate (%.2f per CPU-second), %.2fx batch %d"
                + "; decoding alone (after the prefill's first token): %.2f tok/s aggregate (%.2f per CPU-second), %.2fx"
                + " batch %d | load %s%n", mode, b, tokens, s, tps, tokens / cpu, tps / base, batches.get(0), dtps,
            (tokens - b) / decodeCpu, dtps / decodeBase, batches.get(0), load);
      }
      if (mc > 0) {
        SplittableRandom rnd = new SplittableRandom(11);
        List<LoglikelihoodScorer.TokenPair> pairs = new ArrayList<>();
        for (int i = 0; i < mc; i++) {
          int[] ctx = rnd.ints(context, 0, CoreBenchmark.VOCAB).toArray();
          for (int o = 0; o < 4; o++) {
            int len = o < 2 ? 1 : 2 + o; // " A"-style letters and 4- and 5-token option texts
            pairs.add(new LoglikelihoodScorer.TokenPair(ctx, rnd.ints(len, 0, CoreBenchmark.VOCAB).toArray()));
          }
        }
        List<LoglikelihoodResult> ref = null;
        double perOptionQps = 0;
        for (boolean shared : new boolean[] {false, true}) {
          LoglikelihoodScorer scorer = new LoglikelihoodScorer(model, new CoreBenchmark.NullTokenizer(), 0, 4096, 4, shared);
          String load = Files.readString(Path.of("/proc/loadavg")).strip();
          long t0 = System.nanoTime();
          long c0 = CoreBenchmark.processCpuNanos();
          // One question per call, as EvalRunner asks them.
          List<LoglikelihoodResult> got = new ArrayList<>();
          for (int i = 0; i < mc; i++) {
            got.addAll(scorer.scoreTokens(pairs.subList(4 * i, 4 * i + 4)));
          }
          double s = (System.nanoTime() - t0) / 1e9;
          double cpu = (CoreBenchmark.processCpuNanos() - c0) / 1e9;
          double maxDiff = 0;
          if (ref == null) {
            ref = got;
            perOptionQps = mc / s;
          } else {
            for (int i = 0; i < got.size(); i++) {
              maxDiff = Math.max(maxDiff, Math.abs(got.get(i).logLikelihood() - ref.get(i).logLikelihood()));
            }
          }
          System.out.printf(Locale.ROOT,
              "SUMMARY %s multiple choice (%d-token context, 4 options) %s: %.3f questions/s (%.3f per CPU-second)%s | load %s%n",
              mode, context, shared ? "shared prefix" : "per option, batch 4", mc / s, mc / cpu,
              shared ? String.format(Locale.ROOT, ", %.2fx per-option; max |difference| %.2e", mc / s / perOptionQps, maxDiff)
                  : "", load);
        }
      }
    }
  }
}
