package dev.medadapt.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.train.LoraTrainer;
import dev.medadapt.train.TrainingConfig;
import dev.medadapt.train.TrainingResult;
import dev.medadapt.train.data.TokenizationStats;
import dev.medadapt.train.internal.BaseModels;
import dev.medadapt.train.data.TokenizedDataset;
import dev.medadapt.train.data.TokenizedSequence;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.lora.LoraModel;
import dev.medadapt.train.metrics.StepMetrics;
import dev.medadapt.train.optim.Warmup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * LoRA SFT training speed and memory.
 *
 * <pre>
 * ./bench TrainBenchmark [speed] [--threads 2] [--warmup 2] [--steps 5] [--vocab 151936] [--checkpointing on|off|both]
 *     [--python /usr/bin/python3] [--no-python]
 * ./bench TrainBenchmark memory [--bases FP32,NF4] [--seqs 256] [--steps 3] [--dir DIR] [--keep]
 * ./bench TrainBenchmark checkpoint --dir DIR [--tokenizer TOKENIZER_FOLDER]
 * ./bench TrainBenchmark sft-file --out FILE [--rows 4] [--corpus MEDQUAD_JSONL]
 * </pre>
 *
 * <p>{@code sft-file}: an SFT file of medical-o1-reasoning-SFT-shaped rows ({@code Question}, {@code Complex_CoT},
 * {@code Response}) built from consecutive MedQuAD passages, each row about 28,000 characters (over 4,096 Qwen2.5
 * tokens in the reference template), for {@code ./medadapt train sft --max-length 4096} on the checkpoint above.
 *
 * <p>{@code speed}: tokens/s of one optimizer step (2 sequences × 4 accumulation × 512 tokens, forward, backward,
 * clipping, AdamW) of MedAdapt's {@link LoraTrainer} on a small random Qwen2 (4 layers, hidden 512, 8 heads, 2 KV
 * heads, intermediate 1376, Qwen2's vocabulary of 151,936 unless {@code --vocab}; LoRA r 16, alpha 32, dropout 0.05, rsLoRA on the 7 projections;
 * completion-only loss over the last 448 tokens of each sequence), median over the measured steps, then
 * {@code medadapt-benchmarks/python/sft_step.py} (PyTorch eager, the same math) in a child process on the same
 * machine with the same thread count and malloc settings, and the ratio. With {@code --checkpointing both} (the
 * default) MedAdapt runs twice, with and without layer-wise activation checkpointing, and the overhead is reported.
 *
 * <p>{@code memory}: for each base (fp32, NF4) and sequence length, a child JVM loads a random-weight
 * DeepSeek-R1-Distill-Qwen-1.5B-shaped checkpoint, attaches the reference LoRA and runs SFT steps of one sequence
 * (batch 1, no accumulation), reporting RSS after load, the steps' peak RSS (the trainer's {@code train_step} figure
 * in the run folder's {@code memory.json}) and seconds per step.
 */
public final class TrainBenchmark {
  private static final Pattern RESULT = Pattern.compile("RESULT tokens_per_s=([0-9.]+) step_s=([0-9.]+).*");

  private TrainBenchmark() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 && !args[0].startsWith("--") ? args[0] : "speed";
    String[] rest = mode.equals("speed") && (args.length == 0 || args[0].startsWith("--"))
        ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (mode) {
      case "speed" -> speed(rest);
      case "memory" -> memory(rest);
      case "memory-child" -> memoryChild(rest);
      case "phases" -> phases(rest);
      case "checkpoint" -> checkpoint(rest);
      case "sft-file" -> sftFile(rest);
      default -> throw new IllegalArgumentException("unknown mode " + mode + "; use speed or memory");
    }
  }

  // ---------------------------------------------------------------------------------------------- speed

  private static void speed(String[] args) throws Exception {
    int threads = 2;
    int warmup = 2;
    int steps = 5;
    String python = "/usr/bin/python3";
    boolean runPython = true;
    int vocab = 151936;
    int seq = 512;
    int prompt = 64;
    double dropout = 0.05;
    String checkpointing = "both";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--seq" -> seq = Integer.parseInt(args[++i]);
        case "--vocab" -> vocab = Integer.parseInt(args[++i]);
        case "--python" -> python = args[++i];
        case "--no-python" -> runPython = false;
        case "--dropout" -> dropout = Double.parseDouble(args[++i]);
        case "--checkpointing" -> checkpointing = args[++i];
        case "--help" -> {
          System.out.println("usage: ./bench TrainBenchmark [speed] [--threads 2] [--warmup 2] [--steps 5] [--seq 512]"
              + " [--vocab 151936] [--dropout 0.05] [--checkpointing on|off|both] [--python /usr/bin/python3]"
              + " [--no-python]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    List<Boolean> modes = switch (checkpointing) {
      case "on" -> List.of(true);
      case "off" -> List.of(false);
      case "both" -> List.of(true, false);
      default -> throw new IllegalArgumentException("--checkpointing must be on, off or both, was " + checkpointing);
    };
    CoreBenchmark.Arch arch = new CoreBenchmark.Arch(512, 4, 8, 2, 1376, vocab);
    // DJL reads these when the engine starts (PtEngine): intra-op threads as torch.set_num_threads, one inter-op.
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    Engine.getEngine("PyTorch");
    System.out.printf(Locale.ROOT, "model: %d layers, hidden %d, heads %d/%d kv, intermediate %d, vocab %d; seq %d,"
            + " batch 2 x 4, LoRA r16 a32 dropout %s rsLoRA on 7 projections, fp32, AdamW wd 0.01, clip 1.0%n",
        arch.layers(), arch.hidden(), arch.heads(), arch.kvHeads(), arch.inter(), arch.vocab(), seq, dropout);
    System.out.printf(Locale.ROOT, "threads: DJL/libtorch intra-op %d, inter-op %d; cores %d; java %s; MALLOC_MMAP_MAX_=%s"
            + " MALLOC_TRIM_THRESHOLD_=%s%n", JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        System.getenv("MALLOC_MMAP_MAX_"), System.getenv("MALLOC_TRIM_THRESHOLD_"));
    Path dir = Files.createTempDirectory("medadapt-train-bench");
    Map<Boolean, Double> stepS = new java.util.LinkedHashMap<>();
    try {
      CoreBenchmark.writeCheckpoint(dir.resolve("model"), 20261125L, arch);
      for (boolean ckpt : modes) {
        try (Qwen2Model model = Qwen2Model.load(dir.resolve("model"), Device.cpu(), Precision.FP32)) {
          LoraModel lora = LoraModel.attach(model, referenceLora(dropout), 4242);
          TrainingConfig cfg = TrainingConfig.builder().seed(4242).learningRate(1e-4).weightDecay(0.01)
              .schedule(TrainingConfig.Schedule.CONSTANT).warmup(Warmup.steps(0)).microBatchSize(2)
              .gradientAccumulation(4).maxGradNorm(1.0).maxSteps(warmup + steps).gradientCheckpointing(ckpt).build();
          TokenizedDataset data = synthetic(8 * (warmup + steps), seq, prompt, arch.vocab(), 7);
          Path run = dir.resolve(ckpt ? "run-ckpt" : "run-full");
          LoraTrainer trainer = new LoraTrainer(lora, cfg, run, "bench sft", null, Map.of());
          TrainingResult r = trainer.train(data, null);
          System.out.println("MedAdapt (DJL 0.36.0, libtorch " + Engine.getEngine("PyTorch").getVersion()
              + "), gradient checkpointing " + (ckpt ? "on" : "off") + ", trainable LoRA parameters: "
              + r.trainableParameters());
          List<Double> secs = new ArrayList<>();
          for (StepMetrics m : r.metrics()) {
            double s = m.tokens() / m.tokensPerSecond();
            boolean measured = m.step() > warmup;
            System.out.printf(Locale.ROOT, "step %d%s: %.3f s, %.1f tokens/s, loss %.4f%n", m.step(),
                measured ? "" : " (warm-up)", s, m.tokensPerSecond(), m.loss());
            if (measured) {
              secs.add(s);
            }
          }
          stepS.put(ckpt, median(secs));
          System.out.printf(Locale.ROOT, "MedAdapt, checkpointing %s: median step %.3f s -> %.1f tokens/s (%d measured"
              + " steps after %d warm-up)%n", ckpt ? "on" : "off", median(secs), 2.0 * 4 * seq / median(secs),
              steps, warmup);
        }
      }
    } finally {
      deleteTree(dir);
    }
    if (stepS.size() == 2) {
      System.out.printf(Locale.ROOT, "RESULT checkpointing overhead: %.3f s with / %.3f s without = %.2fx"
          + " (goal <= 1.35x)%n", stepS.get(true), stepS.get(false), stepS.get(true) / stepS.get(false));
    }
    if (!runPython) {
      return;
    }
    Path script = Path.of("medadapt-benchmarks/python/sft_step.py");
    if (!Files.exists(script)) {
      throw new IllegalStateException("run from the repository root: " + script.toAbsolutePath() + " is missing");
    }
    List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--threads", Integer.toString(threads),
        "--warmup", Integer.toString(warmup), "--steps", Integer.toString(steps), "--seq", Integer.toString(seq),
        "--prompt", Integer.toString(prompt), "--layers", Integer.toString(arch.layers()),
        "--hidden", Integer.toString(arch.hidden()), "--heads", Integer.toString(arch.heads()),
        "--kv-heads", Integer.toString(arch.kvHeads()), "--intermediate", Integer.toString(arch.inter()),
        "--vocab", Integer.toString(arch.vocab()), "--dropout", Double.toString(dropout)));
    System.out.println("PyTorch eager: " + String.join(" ", cmd));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    // One OpenMP pool of the same size as libtorch's intra-op pool in the JVM.
    pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
    Process p = pb.start();
    double pyTps = Double.NaN;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        System.out.println("  | " + line);
        Matcher m = RESULT.matcher(line);
        if (m.matches()) {
          pyTps = Double.parseDouble(m.group(1));
        }
      }
    }
    int rc = p.waitFor();
    if (rc != 0 || Double.isNaN(pyTps)) {
      throw new IllegalStateException("the PyTorch peer failed (exit " + rc + "); is python3-torch installed?"
          + " apt-get install -y python3-torch libopenblas0-openmp");
    }
    for (Map.Entry<Boolean, Double> e : stepS.entrySet()) {
      double javaTps = 2.0 * 4 * seq / e.getValue();
      System.out.printf(Locale.ROOT, "RESULT MedAdapt (checkpointing %s) %.1f tokens/s, PyTorch eager %.1f tokens/s,"
          + " ratio %.2fx (goal >= 1.0x)%n", e.getKey() ? "on" : "off", javaTps, pyTps, javaTps / pyTps);
    }
    System.out.println("load average " + Files.readString(Path.of("/proc/loadavg")).strip());
  }

  static LoraConfig referenceLora(double dropout) {
    return LoraConfig.builder().rank(16).alpha(32).dropout(dropout).rsLora(true)
        .targetModules(LoraConfig.ALL_PROJECTIONS).build();
  }

  /** Random token sequences of {@code len} tokens whose first {@code prompt} positions are not supervised. */
  static TokenizedDataset synthetic(int n, int len, int prompt, int vocab, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<TokenizedSequence> seqs = new ArrayList<>();
    long targets = 0;
    for (int i = 0; i < n; i++) {
      int[] ids = new int[len];
      int[] labels = new int[len];
      for (int t = 0; t < len; t++) {
        ids[t] = rnd.nextInt(vocab);
        labels[t] = t < prompt ? TokenizedSequence.IGNORE_INDEX : ids[t];
      }
      seqs.add(new TokenizedSequence(ids, labels));
      targets += len - Math.max(prompt, 1);
    }
    return new TokenizedDataset(seqs, new TokenizationStats(n, n, 0, (long) n * len, targets, 0));
  }

  /**
   * Where a step's time goes: forward, loss, backward per micro-batch, then clipping, AdamW and zeroing, timed
   * separately on the speed benchmark's model (the same calls LoraTrainer makes).
   */
  private static void phases(String[] args) throws Exception {
    int threads = 2;
    int steps = 4;
    double dropout = 0.05;
    boolean chunked = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--dropout" -> dropout = Double.parseDouble(args[++i]);
        case "--full-logits" -> chunked = false;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    CoreBenchmark.Arch arch = new CoreBenchmark.Arch(512, 4, 8, 2, 1376, 32000);
    Path dir = Files.createTempDirectory("medadapt-train-phases");
    try {
      CoreBenchmark.writeCheckpoint(dir, 20261125L, arch);
      try (Qwen2Model model = Qwen2Model.load(dir, Device.cpu(), Precision.FP32)) {
        LoraModel lora = LoraModel.attach(model, referenceLora(dropout), 4242);
        TokenizedDataset data = synthetic(8 * steps, 512, 64, arch.vocab(), 7);
        Map<String, ai.djl.ndarray.NDArray> params = lora.parameters();
        dev.medadapt.train.optim.AdamW opt = dev.medadapt.train.optim.AdamW.withDefaults();
        dev.medadapt.train.optim.ParamGroup g = new dev.medadapt.train.optim.ParamGroup("lora", 1e-4, 0.01);
        params.forEach((k, v) -> opt.add(k, v, g));
        double[] sum = new double[7];
        String[] names = {"forward", "loss", "backward", "clip", "adamw", "zero-grad", "step total"};
        for (int step = 0; step < steps; step++) {
          long s0 = System.nanoTime();
          double[] t = new double[7];
          try (ai.djl.training.GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            for (int k = 0; k < 4; k++) {
              dev.medadapt.train.data.Batch b = dev.medadapt.train.data.Batch.of(
                  data.sequences().subList(step * 8 + k * 2, step * 8 + k * 2 + 2), 0);
              lora.trainingContext(4242, step, k);
              try (ai.djl.ndarray.NDManager sub = model.manager().newSubManager()) {
                long[] ids = Arrays.stream(b.inputIds()).asLongStream().toArray();
                long a = System.nanoTime();
                ai.djl.ndarray.NDArray idArr = sub.create(ids, new ai.djl.ndarray.types.Shape(2, 512));
                ai.djl.ndarray.NDArray objective;
                double lv;
                long bT;
                if (chunked) {
                  // forward and loss are one call here (the loss starts from the hidden states)
                  dev.medadapt.train.internal.ChunkedLmHeadLoss.Pass p =
                      dev.medadapt.train.internal.ChunkedLmHeadLoss.run(model, idArr, null, b, true);
                  bT = System.nanoTime();
                  lv = p.lossSum();
                  objective = p.surrogate();
                } else {
                  ai.djl.ndarray.NDArray logits = model.forward(idArr);
                  bT = System.nanoTime();
                  objective = dev.medadapt.train.CausalLmLoss.sum(logits, b);
                  lv = objective.getFloat();
                }
                long c = System.nanoTime();
                gc.backward(objective.div(sub.create(3584f * 2 * 4)));
                long d = System.nanoTime();
                t[0] += (bT - a) / 1e9;
                t[1] += (c - bT) / 1e9;
                t[2] += (d - c) / 1e9;
                if (!Double.isFinite(lv)) {
                  throw new IllegalStateException("loss " + lv);
                }
              }
            }
          } finally {
            lora.evalContext();
          }
          long e = System.nanoTime();
          Map<String, ai.djl.ndarray.NDArray> grads = new java.util.LinkedHashMap<>();
          params.forEach((k, v) -> grads.put(k, v.getGradient()));
          dev.medadapt.train.optim.GradientClipping.clipGlobalNorm(grads.values(), 1.0);
          long f = System.nanoTime();
          opt.step(grads, 1.0);
          long h = System.nanoTime();
          params.values().forEach(LoraModel::zeroGradient);
          long i2 = System.nanoTime();
          t[3] = (f - e) / 1e9;
          t[4] = (h - f) / 1e9;
          t[5] = (i2 - h) / 1e9;
          t[6] = (i2 - s0) / 1e9;
          StringBuilder sb = new StringBuilder("step " + (step + 1) + ":");
          for (int j = 0; j < 7; j++) {
            sb.append(String.format(Locale.ROOT, " %s %.3f s", names[j], t[j]));
            if (step > 0) {
              sum[j] += t[j];
            }
          }
          System.out.println(sb);
        }
        StringBuilder sb = new StringBuilder("mean after the first step:");
        for (int j = 0; j < 7; j++) {
          sb.append(String.format(Locale.ROOT, " %s %.3f s", names[j], sum[j] / (steps - 1)));
        }
        System.out.println(sb + " | load average " + Files.readString(Path.of("/proc/loadavg")).strip());
      }
    } finally {
      deleteTree(dir);
    }
  }

  // --------------------------------------------------------------------------------------------- memory

  /**
   * Writes the random DeepSeek-R1-Distill-Qwen-1.5B-shaped checkpoint (bf16 shards) into {@code --dir} with the
   * Qwen2.5 tokenizer files from the data folder, so {@code ./medadapt train} can run on it.
   */
  private static void checkpoint(String[] args) throws Exception {
    Path dir = null;
    Path tokenizer = Path.of(System.getProperty("medadapt.data", "../shared/data"), "tokenizer_qwen2_5");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[++i]);
        case "--tokenizer" -> tokenizer = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: ./bench TrainBenchmark checkpoint --dir DIR [--tokenizer TOKENIZER_FOLDER]");
      }
    }
    if (dir == null) {
      throw new IllegalArgumentException("--dir is required");
    }
    for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
      if (!Files.isRegularFile(tokenizer.resolve(f))) {
        throw new IllegalArgumentException("no " + f + " in " + tokenizer.toAbsolutePath()
            + "; pass --tokenizer with the Qwen2.5 tokenizer folder");
      }
    }
    long t0 = System.nanoTime();
    CoreBenchmark.writeCheckpoint(dir, 20261125L);
    for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
      Files.copy(tokenizer.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    System.out.printf(Locale.ROOT, "checkpoint: %s, DeepSeek-R1-Distill-Qwen-1.5B shape, random bf16, %.1f GB,"
        + " with the tokenizer of %s, written in %.1f s%n", dir, CoreBenchmark.dirBytes(dir) / 1e9, tokenizer,
        (System.nanoTime() - t0) / 1e9);
  }

  private static void sftFile(String[] args) throws Exception {
    Path out = null;
    int rows = 4;
    Path corpus = Path.of(System.getProperty("medadapt.data", "../shared/data"), "medquad", "medquad_medrag.jsonl");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--rows" -> rows = Integer.parseInt(args[++i]);
        case "--corpus" -> corpus = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: ./bench TrainBenchmark sft-file --out FILE [--rows 4] [--corpus MEDQUAD_JSONL]");
      }
    }
    if (out == null) {
      throw new IllegalArgumentException("--out is required");
    }
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<com.fasterxml.jackson.databind.JsonNode> passages = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(corpus, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.isBlank()) {
          passages.add(json.readTree(line));
        }
      }
    }
    StringBuilder file = new StringBuilder();
    int next = 0;
    for (int r = 0; r < rows; r++) {
      String title = passages.get(next % passages.size()).path("title").asText("this condition");
      StringBuilder cot = new StringBuilder();
      while (cot.length() < 24_000) {
        cot.append(cot.length() == 0 ? "" : "\n\n")
            .append(passages.get(next++ % passages.size()).path("content").asText());
      }
      StringBuilder response = new StringBuilder();
      while (response.length() < 4_000) {
        response.append(response.length() == 0 ? "" : "\n\n")
            .append(passages.get(next++ % passages.size()).path("content").asText());
      }
      Map<String, String> row = new java.util.LinkedHashMap<>();
      row.put("Question", "What should a clinician know about " + title + "?");
      row.put("Complex_CoT", cot.toString());
      row.put("Response", response.toString());
      file.append(json.writeValueAsString(row)).append('\n');
    }
    Files.writeString(out, file.toString(), StandardCharsets.UTF_8);
    System.out.printf(Locale.ROOT, "sft-file: %s, %d rows from %d MedQuAD passages of %s%n", out, rows, next, corpus);
  }

  private static void memory(String[] args) throws Exception {
    List<String> bases = List.of("FP32", "NF4");
    List<Integer> seqs = List.of(256);
    int steps = 3;
    Path dir = null;
    boolean keep = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--bases" -> bases = List.of(args[++i].toUpperCase(Locale.ROOT).split(","));
        case "--seqs" -> seqs = Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--dir" -> dir = Path.of(args[++i]);
        case "--keep" -> keep = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    boolean temp = dir == null;
    if (temp) {
      dir = Files.createTempDirectory("medadapt-train-mem");
    }
    try {
      if (!Files.exists(dir.resolve("config.json"))) {
        long t0 = System.nanoTime();
        CoreBenchmark.writeCheckpoint(dir, 20261125L);
        System.out.printf(Locale.ROOT, "checkpoint: %s, DeepSeek-R1-Distill-Qwen-1.5B shape, random bf16, %.1f GB,"
            + " written in %.1f s%n", dir, CoreBenchmark.dirBytes(dir) / 1e9, (System.nanoTime() - t0) / 1e9);
      }
      String java = ProcessHandle.current().info().command().orElse("java");
      for (int seq : seqs) {
        for (String base : bases) {
          List<String> cmd = new ArrayList<>();
          cmd.add(java);
          cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
          cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30"));
          cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TrainBenchmark.class.getName(),
              "memory-child", "--base", base, "--seq", Integer.toString(seq), "--steps", Integer.toString(steps),
              "--dir", dir.toString()));
          ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
          // The allocator settings `./medadapt train` runs with (see the launcher): buffers of 16 MiB and more mapped, serial GC.
          pb.environment().put("MALLOC_MMAP_MAX_", "65536");
          pb.environment().put("MALLOC_MMAP_THRESHOLD_", "16777216");
          pb.environment().put("MALLOC_TRIM_THRESHOLD_", "268435456");
          pb.environment().put("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1");
          Process p = pb.start();
          try (BufferedReader in = new BufferedReader(
              new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
              System.out.println(line);
            }
          }
          int rc = p.waitFor();
          if (rc != 0) {
            System.out.println(base + " seq " + seq + ": child JVM exited with " + rc);
          }
        }
      }
    } finally {
      if (temp && !keep) {
        deleteTree(dir);
      }
    }
  }

  private static void memoryChild(String[] args) throws Exception {
    String base = "FP32";
    int seq = 256;
    int steps = 3;
    Path dir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--base" -> base = args[++i];
        case "--seq" -> seq = Integer.parseInt(args[++i]);
        case "--steps" -> steps = Integer.parseInt(args[++i]);
        case "--dir" -> dir = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Engine.getEngine("PyTorch");
    long t0 = System.nanoTime();
    Path run = Files.createTempDirectory("medadapt-train-mem-run");
    // As `./medadapt train --load-in-4bit` loads it: NF4 with double quantization, embedding and lm_head in float16.
    try (Qwen2Model model = BaseModels.load(dir, Device.cpu(), Precision.FP32,
        base.equals("NF4") ? Quantization.NF4 : Quantization.NONE)) {
      double loadS = (System.nanoTime() - t0) / 1e9;
      LoraModel lora = LoraModel.attach(model, referenceLora(0.05), 4242);
      double rssLoad = CoreBenchmark.procStatusKb("VmRSS") * 1.024e-6;
      double hwmLoad = CoreBenchmark.procStatusKb("VmHWM") * 1.024e-6;
      TrainingConfig cfg = TrainingConfig.builder().seed(4242).learningRate(1e-4).weightDecay(0.01)
          .schedule(TrainingConfig.Schedule.CONSTANT).microBatchSize(1).gradientAccumulation(1).maxSteps(steps)
          .build();
      TokenizedDataset data = synthetic(steps, seq, seq / 8, model.config().vocabSize(), 11);
      TrainingResult r = new LoraTrainer(lora, cfg, run, "bench sft", null, Map.of()).train(data, null);
      // The trainer resets the kernel's high-water mark at each phase (PhaseMemory), so VmHWM now covers only its
      // last phase: the step peak is the train_step entry of the run folder's memory.json.
      double hwmSteps = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.resolve("memory.json").toFile())
          .path("peak_rss_bytes").path("train_step").asLong(-1) / 1e9;
      List<Double> secs = new ArrayList<>();
      StringBuilder each = new StringBuilder();
      for (StepMetrics m : r.metrics()) {
        double s = m.tokens() / m.tokensPerSecond();
        each.append(String.format(Locale.ROOT, " %.1f", s));
        if (m.step() > 1 || r.metrics().size() == 1) {
          secs.add(s); // the first step pays one-time costs; it is the only one of a 1-step run
        }
      }
      System.out.printf(Locale.ROOT, "RESULT %-4s seq %4d | load %.1f s, RSS after load %.2f GB (peak during load"
              + " %.2f GB) | peak RSS during %d steps %.2f GB | s/step (batch 1):%s -> median (after the first,"
              + " if more) %.2f s (%.0f tokens/s) | loss %.3f | load average %s%n",
          base, seq, loadS, rssLoad, hwmLoad, steps, hwmSteps, each, median(secs), seq / median(secs),
          r.finalLoss(), Files.readString(Path.of("/proc/loadavg")).strip());
    } finally {
      deleteTree(run);
    }
  }

  static double median(List<Double> xs) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
