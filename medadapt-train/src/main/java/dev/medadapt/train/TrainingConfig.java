package dev.medadapt.train;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.train.optim.Warmup;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Optimization and bookkeeping settings of a LoRA run, named like Hugging Face {@code TrainingArguments}.
 *
 * <pre>{@code
 * TrainingConfig sft = TrainingConfig.builder().seed(4242).learningRate(1e-4).schedule(Schedule.COSINE)
 *     .warmup(Warmup.steps(300)).microBatchSize(2).gradientAccumulation(4).weightDecay(0.01)
 *     .evalEvery(100).build();
 * }</pre>
 *
 * @param seed one seed for data order, dropout, LoRA init and the eval split
 * @param epochs passes over the training data (ignored when maxSteps &gt; 0)
 * @param maxSteps optimizer steps to run, or -1 to run {@code epochs} epochs
 * @param microBatchSize sequences per forward pass ({@code per_device_train_batch_size})
 * @param gradientAccumulation micro-batches per optimizer step ({@code gradient_accumulation_steps})
 * @param learningRate peak learning rate of the LoRA factors
 * @param embeddingLearningRate peak learning rate of embed_tokens/lm_head adapters, or NaN for learningRate
 * @param weightDecay AdamW decoupled weight decay (not applied to biases or norms)
 * @param schedule learning-rate schedule after warmup
 * @param warmup warmup steps or ratio
 * @param maxGradNorm global-norm clipping threshold; 0 disables clipping
 * @param evalEvery evaluate every N optimizer steps (and at the end); 0 evaluates only at the end
 * @param checkpointEvery checkpoint every N optimizer steps (and at the end); 0 only at the end
 * @param keepCheckpoints how many checkpoints to keep ({@code save_total_limit})
 * @param gradientCheckpointing recompute each decoder layer during backward instead of keeping its activations
 *     ({@code gradient_checkpointing}); the same gradients within float rounding, far less memory, about a third
 *     more compute
 * @param loggingSteps log and report progress every N optimizer steps (and at the last); metrics.csv keeps every step
 */
public record TrainingConfig(
    long seed,
    int epochs,
    long maxSteps,
    int microBatchSize,
    int gradientAccumulation,
    double learningRate,
    double embeddingLearningRate,
    double weightDecay,
    Schedule schedule,
    Warmup warmup,
    double maxGradNorm,
    int evalEvery,
    int checkpointEvery,
    int keepCheckpoints,
    boolean gradientCheckpointing,
    int loggingSteps) {

  /** Learning-rate schedules, as transformers' {@code SchedulerType}. */
  public enum Schedule {
    /** Linear warmup, then a half cosine to 0. */
    COSINE,
    /** Linear warmup, then linear decay to 0. */
    LINEAR,
    /** The peak rate from the first step; transformers' {@code constant} ignores warmup, so warmup is refused. */
    CONSTANT,
    /** Linear warmup, then the peak rate. */
    CONSTANT_WITH_WARMUP;

    /** The transformers name ({@code cosine}, {@code constant_with_warmup}, …). */
    public String hfName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The schedule named {@code name} as transformers spells it. */
    public static Schedule fromHfName(String name) {
      for (Schedule s : values()) {
        if (s.hfName().equals(name)) {
          return s;
        }
      }
      throw new ConfigurationException("lrSchedulerType must be one of cosine, linear, constant, "
          + "constant_with_warmup, was '" + name + "'");
    }
  }

  /** The settings of the record before gradientCheckpointing and loggingSteps (checkpointing on, log every step). */
  public TrainingConfig(long seed, int epochs, long maxSteps, int microBatchSize, int gradientAccumulation,
      double learningRate, double embeddingLearningRate, double weightDecay, Schedule schedule, Warmup warmup,
      double maxGradNorm, int evalEvery, int checkpointEvery, int keepCheckpoints) {
    this(seed, epochs, maxSteps, microBatchSize, gradientAccumulation, learningRate, embeddingLearningRate,
        weightDecay, schedule, warmup, maxGradNorm, evalEvery, checkpointEvery, keepCheckpoints, true, 1);
  }

  public TrainingConfig {
    Ensure.between(epochs, 1, 100_000, "epochs");
    if (maxSteps != -1) {
      Ensure.between(maxSteps, 1, Long.MAX_VALUE, "maxSteps");
    }
    Ensure.between(microBatchSize, 1, 4096, "microBatchSize");
    Ensure.between(gradientAccumulation, 1, 1 << 20, "gradientAccumulation");
    positiveRate(learningRate, "learningRate");
    if (!Double.isNaN(embeddingLearningRate)) {
      positiveRate(embeddingLearningRate, "embeddingLearningRate");
    }
    Ensure.between(weightDecay, 0.0, 10.0, "weightDecay");
    Ensure.notNull(schedule, "schedule");
    Ensure.notNull(warmup, "warmup");
    Ensure.between(maxGradNorm, 0.0, 1e9, "maxGradNorm");
    Ensure.between(evalEvery, 0, Integer.MAX_VALUE, "evalEvery");
    Ensure.between(checkpointEvery, 0, Integer.MAX_VALUE, "checkpointEvery");
    Ensure.between(keepCheckpoints, 1, 1_000_000, "saveTotalLimit");
    Ensure.between(loggingSteps, 1, Integer.MAX_VALUE, "loggingSteps");
    if (schedule == Schedule.CONSTANT && (warmup.steps() > 0 || warmup.ratio() > 0)) {
      throw new ConfigurationException("lrSchedulerType constant has no warmup (transformers ignores it); use "
          + "constant_with_warmup for warmup " + (warmup.steps() > 0 ? warmup.steps() + " steps"
          : "ratio " + warmup.ratio()));
    }
  }

  /** A learning rate in (0, 10]: 0 would train nothing, like a negative one. */
  private static void positiveRate(double v, String name) {
    if (!(v > 0 && v <= 10.0)) {
      throw new ConfigurationException(name + " must be in (0, 10], was " + v);
    }
  }

  /** A builder holding these settings, to change some of them. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.seed = seed;
    b.epochs = epochs;
    b.maxSteps = maxSteps;
    b.microBatchSize = microBatchSize;
    b.gradientAccumulation = gradientAccumulation;
    b.learningRate = learningRate;
    b.embeddingLearningRate = embeddingLearningRate;
    b.weightDecay = weightDecay;
    b.schedule = schedule;
    b.warmup = warmup;
    b.maxGradNorm = maxGradNorm;
    b.evalEvery = evalEvery;
    b.checkpointEvery = checkpointEvery;
    b.keepCheckpoints = keepCheckpoints;
    b.gradientCheckpointing = gradientCheckpointing;
    b.loggingSteps = loggingSteps;
    return b;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The learning rate of the embedding/lm_head adapter group. */
  public double effectiveEmbeddingLearningRate() {
    return Double.isNaN(embeddingLearningRate) ? learningRate : embeddingLearningRate;
  }

  /** Every setting as strings, for provenance and for refusing to resume under different settings. */
  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("seed", Long.toString(seed));
    m.put("epochs", Integer.toString(epochs));
    m.put("max_steps", Long.toString(maxSteps));
    m.put("per_device_train_batch_size", Integer.toString(microBatchSize));
    m.put("gradient_accumulation_steps", Integer.toString(gradientAccumulation));
    m.put("learning_rate", Double.toString(learningRate));
    m.put("embedding_learning_rate", Double.toString(effectiveEmbeddingLearningRate()));
    m.put("weight_decay", Double.toString(weightDecay));
    m.put("lr_scheduler_type", schedule.hfName());
    m.put("warmup_steps", Integer.toString(warmup.steps()));
    m.put("warmup_ratio", Double.toString(warmup.ratio()));
    m.put("max_grad_norm", Double.toString(maxGradNorm));
    m.put("eval_steps", Integer.toString(evalEvery));
    m.put("save_steps", Integer.toString(checkpointEvery));
    m.put("save_total_limit", Integer.toString(keepCheckpoints));
    m.put("logging_steps", Integer.toString(loggingSteps));
    m.put("gradient_checkpointing", Boolean.toString(gradientCheckpointing));
    return m;
  }

  /** Builder with Hugging Face's defaults where it has one (lr 5e-5, batch 8, no accumulation, clip 1.0). */
  public static final class Builder {
    private long seed = 42;
    private int epochs = 1;
    private long maxSteps = -1;
    private int microBatchSize = 8;
    private int gradientAccumulation = 1;
    private double learningRate = 5e-5;
    private double embeddingLearningRate = Double.NaN;
    private double weightDecay;
    private Schedule schedule = Schedule.LINEAR;
    private Warmup warmup = Warmup.steps(0);
    /** Set by {@link #warmupSteps(int)} / {@link #warmupRatio(double)} (not by {@link #warmup(Warmup)}). */
    private Integer givenWarmupSteps;
    private Double givenWarmupRatio;
    private double maxGradNorm = 1.0;
    private int evalEvery;
    private int checkpointEvery;
    private int keepCheckpoints = 2;
    private boolean gradientCheckpointing = true;
    private int loggingSteps = 1;

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    public Builder maxSteps(long v) {
      maxSteps = v;
      return this;
    }

    public Builder microBatchSize(int v) {
      microBatchSize = v;
      return this;
    }

    public Builder gradientAccumulation(int v) {
      gradientAccumulation = v;
      return this;
    }

    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    public Builder embeddingLearningRate(double v) {
      embeddingLearningRate = v;
      return this;
    }

    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    public Builder schedule(Schedule v) {
      schedule = v;
      return this;
    }

    /** Warmup as steps or ratio, replacing any earlier warmup setting. */
    public Builder warmup(Warmup v) {
      warmup = v;
      givenWarmupSteps = null;
      givenWarmupRatio = null;
      return this;
    }

    public Builder maxGradNorm(double v) {
      maxGradNorm = v;
      return this;
    }

    public Builder evalEvery(int v) {
      evalEvery = v;
      return this;
    }

    public Builder checkpointEvery(int v) {
      checkpointEvery = v;
      return this;
    }

    public Builder keepCheckpoints(int v) {
      keepCheckpoints = v;
      return this;
    }

    /**
     * transformers' {@code warmup_steps}: linear warmup over this many optimizer steps. Replaces a warmup set with
     * {@link #warmup(Warmup)} (or inherited through {@link TrainingConfig#toBuilder()}); with a non-zero
     * {@link #warmupRatio(double)} also given, {@link #build()} refuses the pair.
     */
    public Builder warmupSteps(int v) {
      givenWarmupSteps = v;
      return this;
    }

    /**
     * transformers' {@code warmup_ratio}: warmup over {@code ceil(ratio · total steps)} steps, resolved when the run
     * knows its total. Replaces a warmup set with {@link #warmup(Warmup)}; with a non-zero {@link #warmupSteps(int)}
     * also given, {@link #build()} refuses the pair.
     */
    public Builder warmupRatio(double v) {
      givenWarmupRatio = v;
      return this;
    }

    /** transformers' {@code lr_scheduler_type}. */
    public Builder lrSchedulerType(Schedule v) {
      schedule = v;
      return this;
    }

    /** transformers' {@code save_steps}: a checkpoint every N optimizer steps (and at the end); 0 only at the end. */
    public Builder saveSteps(int v) {
      checkpointEvery = v;
      return this;
    }

    /** transformers' {@code save_total_limit}: checkpoints kept (the oldest are deleted). */
    public Builder saveTotalLimit(int v) {
      keepCheckpoints = v;
      return this;
    }

    /** transformers' {@code logging_steps}: log and report progress every N steps. Default 1. */
    public Builder loggingSteps(int v) {
      loggingSteps = v;
      return this;
    }

    /** transformers' {@code gradient_checkpointing}; default true. */
    public Builder gradientCheckpointing(boolean v) {
      gradientCheckpointing = v;
      return this;
    }

    public TrainingConfig build() {
      if (maxSteps == 0) {
        throw new ConfigurationException("maxSteps must be in [1, " + Long.MAX_VALUE + "] or -1, was 0");
      }
      return new TrainingConfig(seed, epochs, maxSteps, microBatchSize, gradientAccumulation, learningRate,
          embeddingLearningRate, weightDecay, schedule, resolvedWarmup(), maxGradNorm, evalEvery, checkpointEvery,
          keepCheckpoints, gradientCheckpointing, loggingSteps);
    }

    /** The warmup: the explicitly given steps or ratio, else {@link #warmup(Warmup)}'s. */
    private Warmup resolvedWarmup() {
      int steps = givenWarmupSteps == null ? 0 : givenWarmupSteps;
      double ratio = givenWarmupRatio == null ? 0 : givenWarmupRatio;
      if (steps != 0 && ratio != 0) {
        throw new ConfigurationException("warmupSteps (" + steps + ") and warmupRatio (" + ratio + ") were both "
            + "given; give one of them (transformers' warmup_steps or warmup_ratio)");
      }
      if (givenWarmupSteps == null && givenWarmupRatio == null) {
        return warmup;
      }
      return ratio != 0 ? Warmup.ratio(ratio) : Warmup.steps(steps);
    }
  }
}
