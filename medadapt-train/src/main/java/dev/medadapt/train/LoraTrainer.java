package dev.medadapt.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.train.checkpoint.CheckpointStore;
import dev.medadapt.train.checkpoint.TrainingState;
import dev.medadapt.train.data.Batch;
import dev.medadapt.train.data.TokenizedDataset;
import dev.medadapt.train.data.TokenizedSequence;
import dev.medadapt.train.internal.ChunkedLmHeadLoss;
import dev.medadapt.train.internal.MicroBatchPass;
import dev.medadapt.train.internal.Provenance;
import dev.medadapt.train.lora.LoraModel;
import dev.medadapt.train.metrics.MetricsLog;
import dev.medadapt.train.metrics.PhaseMemory;
import dev.medadapt.train.metrics.StepMetrics;
import dev.medadapt.train.optim.AdamW;
import dev.medadapt.train.optim.GradientClipping;
import dev.medadapt.train.optim.LrSchedule;
import dev.medadapt.train.optim.ParamGroup;
import dev.medadapt.train.peft.PeftAdapterIO;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop shared by SFT and CPT: LoRA factors on a frozen Qwen2 base, causal-LM loss with ignore index
 * -100, gradient accumulation (loss normalized by the supervised targets of the whole accumulation window, as
 * transformers does since 4.46), global-norm clipping, AdamW, a learning-rate schedule, periodic eval and atomic
 * checkpoints, resumable bit for bit.
 *
 * <p>Data order: each epoch is a permutation of the training sequences derived from (seed, epoch); micro-batches are
 * consecutive slices of it; an optimizer step consumes up to {@code gradientAccumulation} micro-batches and never
 * crosses an epoch boundary. A checkpoint records the epoch and the position in it, so a resumed run sees exactly the
 * batches the uninterrupted run would have seen.
 *
 * <p>A NaN or infinite loss or gradient norm stops the run with a {@link TrainingDivergedException} before any
 * update, leaving the last checkpoint (the last good state) in place.
 */
public final class LoraTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(LoraTrainer.class);
  private static final long DATA_ORDER_STREAM = 0x0DA7A0DE5L;

  private final LoraModel lora;
  private final TrainingConfig config;
  private final Path outputDir;
  private final String task;
  private final ProgressListener progress;
  private final Map<String, String> provenance;
  /** Fault injection for tests: before this step's update the first factor is made NaN (as if training diverged). */
  long poisonStep = -1;
  /** Test hook run between each micro-batch's forward pass and its backward pass (e.g. to force a GC there). */
  Runnable beforeBackward;

  /**
   * @param lora the model with adapters attached
   * @param config optimization settings
   * @param outputDir run folder: {@code adapter/}, {@code checkpoints/}, metrics, curves, provenance
   * @param task task name for progress and plots ("train sft")
   * @param progress progress listener
   * @param provenance extra provenance entries (data files and hashes, recipe)
   */
  public LoraTrainer(
      LoraModel lora, TrainingConfig config, Path outputDir, String task, ProgressListener progress,
      Map<String, String> provenance) {
    this.lora = Ensure.notNull(lora, "lora");
    this.config = Ensure.notNull(config, "config");
    this.outputDir = Ensure.notNull(outputDir, "outputDir");
    this.task = Ensure.notBlank(task, "task");
    this.progress = progress == null ? ProgressListener.NONE : progress;
    this.provenance = provenance == null ? Map.of() : Map.copyOf(provenance);
  }

  /** Optimizer steps of a run over {@code trainSize} sequences. */
  public long totalSteps(int trainSize) {
    if (config.maxSteps() > 0) {
      return config.maxSteps();
    }
    return (long) config.epochs() * stepsPerEpoch(trainSize);
  }

  private long stepsPerEpoch(int trainSize) {
    long micro = (trainSize + config.microBatchSize() - 1) / config.microBatchSize();
    return (micro + config.gradientAccumulation() - 1) / config.gradientAccumulation();
  }

  /**
   * Trains on {@code train}, evaluating on {@code eval} (may be null or empty), resuming from the newest checkpoint
   * in {@code outputDir/checkpoints} when there is one.
   */
  public TrainingResult train(TokenizedDataset train, TokenizedDataset eval) {
    Ensure.notNull(train, "train");
    if (train.size() == 0) {
      throw new ConfigurationException("the training set is empty");
    }
    int vocab = lora.model().config().vocabSize();
    validate(train, "training", vocab);
    boolean hasEval = eval != null && eval.size() > 0;
    if (hasEval) {
      validate(eval, "eval", vocab);
    }
    long totalSteps = totalSteps(train.size());
    int warmupSteps = config.warmup().resolve(totalSteps);
    LrSchedule schedule = switch (config.schedule()) {
      case COSINE -> LrSchedule.cosine(totalSteps, warmupSteps);
      case LINEAR -> LrSchedule.linear(totalSteps, warmupSteps);
      case CONSTANT -> LrSchedule.constant();
      case CONSTANT_WITH_WARMUP -> LrSchedule.constantWithWarmup(warmupSteps);
    };
    Map<String, String> runConfig = new LinkedHashMap<>(config.describe());
    runConfig.put("lora", lora.config().toString());
    runConfig.put("train_fingerprint", Provenance.fingerprint(train));
    runConfig.put("eval_fingerprint", hasEval ? Provenance.fingerprint(eval) : "none");
    runConfig.put("total_steps", Long.toString(totalSteps));

    CheckpointStore store = new CheckpointStore(outputDir.resolve("checkpoints"), config.keepCheckpoints());
    String base = lora.model().source().toString();
    long step = 0;
    int epoch = 0;
    long batchInEpoch = 0;
    List<StepMetrics> history = new ArrayList<>();
    Optional<TrainingState> resume = store.latest();
    Path lastCheckpoint = null;
    if (resume.isPresent()) {
      TrainingState st = resume.get();
      if (!st.runConfig().equals(runConfig)) {
        throw new ConfigurationException("cannot resume from " + store.list().get(store.list().size() - 1)
            + ": it was made with different settings or data: " + difference(st.runConfig(), runConfig)
            + " (use a new output folder to start over)");
      }
      lora.load(st.adapter());
      step = st.step();
      epoch = st.epoch();
      batchInEpoch = st.batchInEpoch();
      history.addAll(st.metrics());
      lastCheckpoint = store.list().get(store.list().size() - 1);
      LOG.info("resuming {} from step {} (epoch {}, micro-batch {})", task, step, epoch, batchInEpoch);
    }
    AdamW opt = AdamW.withDefaults();
    ParamGroup main = new ParamGroup("lora", config.learningRate(), config.weightDecay());
    ParamGroup emb = new ParamGroup("embeddings", config.effectiveEmbeddingLearningRate(), config.weightDecay());
    Map<String, NDArray> params = lora.parameters();
    for (NDArray p : params.values()) {
      LoraModel.zeroGradient(p); // whatever earlier use of the model left there
    }
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      // After a resume's load() (which replaces the arrays). Updates are in place; outside a GradientCollector
      // DJL's PyTorch engine runs with grad mode off, like torch's no_grad optimizer step.
      NDArray view = e.getValue();
      opt.add(e.getKey(), view, LoraModel.isEmbeddingParameter(e.getKey()) ? emb : main);
    }

    if (resume.isPresent()) {
      opt.importState(resume.get().optimizerState(), resume.get().step());
    }
    long resumedFrom = step;
    LOG.info("{}: {} trainable LoRA parameters, {} steps, {} warmup, seed {}", task, lora.trainableParameters(),
        totalSteps, warmupSteps, config.seed());

    PhaseMemory memory = PhaseMemory.startAfterLoad();
    long microPerEpoch = (train.size() + config.microBatchSize() - 1) / config.microBatchSize();
    long start = System.nanoTime();
    try (MetricsLog log = new MetricsLog(outputDir, task, history)) {
      int[] order = epochOrder(train.size(), epoch);
      while (step < totalSteps) {
        if (batchInEpoch >= microPerEpoch) {
          epoch++;
          batchInEpoch = 0;
          order = epochOrder(train.size(), epoch);
        }
        long windowEnd = Math.min(batchInEpoch + config.gradientAccumulation(), microPerEpoch);
        List<Batch> batches = new ArrayList<>();
        long targets = 0;
        long tokens = 0;
        for (long k = batchInEpoch; k < windowEnd; k++) {
          Batch b = batch(train, order, k);
          batches.add(b);
          targets += b.supervisedTargets();
          for (int v : b.attentionMask()) {
            tokens += v;
          }
        }
        if (step == poisonStep) {
          params.values().iterator().next().muli(Float.NaN);
        }
        memory.begin();
        long t0 = System.nanoTime();
        double lossSum = 0;
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
          for (int k = 0; k < batches.size(); k++) {
            Batch b = batches.get(k);
            lora.trainingContext(config.seed(), step, batchInEpoch + k);
            try (NDManager sub = lora.model().manager().newSubManager()) {
              MicroBatchPass pass = config.gradientCheckpointing()
                  ? MicroBatchPass.checkpointed(lora, sub, b)
                  : MicroBatchPass.eager(lora.model(), sub, b);
              double s = pass.forward();
              if (!Double.isFinite(s)) {
                throw diverged("loss is " + s, step + 1, k, lastCheckpoint);
              }
              lossSum += s;
              if (targets > 0) {
                if (beforeBackward != null) {
                  beforeBackward.run();
                }
                pass.backward(gc, (float) targets);
              }
            }
          }
        } finally {
          lora.evalContext();
        }
        Map<String, NDArray> grads = new LinkedHashMap<>();
        try {
          for (Map.Entry<String, NDArray> e : params.entrySet()) {
            grads.put(e.getKey(), e.getValue().getGradient());
          }
          double norm = config.maxGradNorm() > 0
              ? GradientClipping.clipGlobalNorm(grads.values(), config.maxGradNorm())
              : GradientClipping.globalNorm(grads.values());
          if (!Double.isFinite(norm)) {
            throw diverged("gradient norm is " + norm, step + 1, -1, lastCheckpoint);
          }
          double factor = schedule.factor(step);
          opt.step(grads, factor);
          for (NDArray p : params.values()) {
            LoraModel.zeroGradient(p);
          }
          step++;
          batchInEpoch = windowEnd;
          double secs = (System.nanoTime() - t0) / 1e9;
          long stepPeak = memory.end("train_step");
          double loss = targets == 0 ? 0 : lossSum / targets;
          Double evalLoss = null;
          if (hasEval && ((config.evalEvery() > 0 && step % config.evalEvery() == 0) || step == totalSteps)) {
            memory.begin();
            evalLoss = evaluate(eval);
            memory.end("eval");
          }
          StepMetrics sm = new StepMetrics(step, epoch, loss, config.learningRate() * factor, norm, tokens,
              tokens / Math.max(secs, 1e-9), evalLoss, stepPeak);
          log.append(sm);
          if (step % config.loggingSteps() == 0 || step == totalSteps) {
            Map<String, Object> shown = new LinkedHashMap<>();
            shown.put("loss", loss);
            shown.put("lr", config.learningRate() * factor);
            shown.put("tokens/s", sm.tokensPerSecond());
            if (evalLoss != null) {
              shown.put("eval_loss", evalLoss);
            }
            LOG.info("{} step {}/{}: loss {}, lr {}, grad norm {}, {} s, peak RSS {} MB{}", task, step, totalSteps,
                loss, config.learningRate() * factor, norm, String.format(java.util.Locale.ROOT, "%.2f", secs),
                stepPeak >> 20, evalLoss == null ? "" : ", eval loss " + evalLoss);
            progress.onProgress(Progress.of(task, step, totalSteps, "steps",
                Duration.ofNanos(System.nanoTime() - start), shown));
          }
          if ((config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) || step == totalSteps) {
            TrainingState st = new TrainingState(step, step, epoch, batchInEpoch, config.seed(), Map.of(),
                lora.toAdapter(), opt.exportState(), log.history(), runConfig);
            memory.begin();
            lastCheckpoint = store.save(st, base);
            memory.end("checkpoint");
          }
        } finally {
          for (NDArray g : grads.values()) {
            g.close();
          }
        }
      }
      log.writeCurves();
      history = log.history();
    }
    Path adapterDir = outputDir.resolve("adapter");
    memory.begin();
    PeftAdapterIO.write(adapterDir, lora.toAdapter(), base);
    memory.end("save_adapter");
    memory.write(outputDir);
    Map<String, String> prov = new LinkedHashMap<>(provenance);
    prov.putAll(runConfig);
    prov.put("task", task);
    prov.put("base_model", base);
    prov.put("trainable_parameters", Long.toString(lora.trainableParameters()));
    prov.put("resumed_from_step", Long.toString(resumedFrom));
    memory.peaks().forEach((phase, bytes) -> prov.put("peak_rss_bytes_" + phase, Long.toString(bytes)));
    Provenance.write(adapterDir, prov);
    Provenance.write(outputDir, prov);
    return new TrainingResult(step, resumedFrom, lora.trainableParameters(), history, adapterDir, outputDir);
  }

  /** Mean loss per supervised target over {@code eval}, without dropout or gradients. */
  public double evaluate(TokenizedDataset eval) {
    lora.evalContext();
    double sum = 0;
    long targets = 0;
    int mb = config.microBatchSize();
    for (int i = 0; i < eval.size(); i += mb) {
      Batch b = Batch.of(eval.sequences().subList(i, Math.min(i + mb, eval.size())), 0);
      try (NDManager sub = lora.model().manager().newSubManager()) {
        sum += evalLoss(sub, b);
      }
      targets += b.supervisedTargets();
    }
    return targets == 0 ? Double.NaN : sum / targets;
  }

  /**
   * The summed loss of {@code b} without gradients. With a frozen dense lm_head (no LoRA on it) the loss is computed
   * from the hidden states in chunks over the supervised positions only ({@link ChunkedLmHeadLoss}), so the
   * {@code [tokens, vocab]} logits never exist whole; otherwise through the full logits.
   */
  private double evalLoss(NDManager sub, Batch b) {
    NDArray ids = MicroBatchPass.ids(sub, b);
    long[][] mask = MicroBatchPass.attentionMask(b);
    if (ChunkedLmHeadLoss.supports(lora.model())) {
      return ChunkedLmHeadLoss.run(lora.model(), ids, mask, b, false).lossSum();
    }
    return CausalLmLoss.sum(lora.model().forward(ids, mask, null), b).getFloat();
  }

  private Batch batch(TokenizedDataset data, int[] order, long microBatch) {
    int mb = config.microBatchSize();
    int from = Math.toIntExact(microBatch * mb);
    int to = Math.min(from + mb, order.length);
    List<TokenizedSequence> seqs = new ArrayList<>();
    for (int i = from; i < to; i++) {
      seqs.add(data.sequences().get(order[i]));
    }
    // Padding id is irrelevant (masked and ignored); 0 is always a valid id.
    return Batch.of(seqs, 0);
  }

  private int[] epochOrder(int n, int epoch) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    DeterministicRandom.derive(config.seed(), DATA_ORDER_STREAM, epoch).shuffle(order);
    return order;
  }

  private static void validate(TokenizedDataset ds, String what, int vocab) {
    for (int i = 0; i < ds.size(); i++) {
      TokenizedSequence s = ds.sequences().get(i);
      for (int t = 0; t < s.length(); t++) {
        int id = s.inputIds()[t];
        int label = s.labels()[t];
        if (id < 0 || id >= vocab) {
          throw new DataFormatException(what + " sequence " + i + " position " + t + ": token id " + id
              + " is outside the model's vocabulary [0, " + vocab + ")");
        }
        if (label != TokenizedSequence.IGNORE_INDEX && (label < 0 || label >= vocab)) {
          throw new DataFormatException(what + " sequence " + i + " position " + t + ": label " + label
              + " is neither -100 nor inside the model's vocabulary [0, " + vocab + ")");
        }
      }
    }
  }

  private static TrainingDivergedException diverged(String what, long step, int micro, Path lastGood) {
    return new TrainingDivergedException(what + " at step " + step + (micro >= 0 ? " (micro-batch " + micro + ")" : "")
        + "; the run stopped before updating the weights. Last good checkpoint: "
        + (lastGood == null ? "none (no checkpoint written yet)" : lastGood.toString())
        + ". Lower the learning rate or enable gradient clipping, then resume or restart.");
  }

  private static String difference(Map<String, String> a, Map<String, String> b) {
    List<String> diffs = new ArrayList<>();
    for (String k : new java.util.TreeSet<>(union(a, b))) {
      if (!java.util.Objects.equals(a.get(k), b.get(k))) {
        diffs.add(k + " was " + a.get(k) + ", now " + b.get(k));
      }
    }
    return String.join("; ", diffs);
  }

  private static java.util.Set<String> union(Map<String, String> a, Map<String, String> b) {
    java.util.Set<String> s = new java.util.HashSet<>(a.keySet());
    s.addAll(b.keySet());
    return s;
  }
}
