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
 * @param keepCheckpoints how many checkpoints to keep
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
    int keepCheckpoints) {

  /** Learning-rate schedules after warmup. */
  public enum Schedule {
    COSINE,
    LINEAR,
    CONSTANT
  }

  public TrainingConfig {
    Ensure.between(epochs, 1, 100_000, "epochs");
    if (maxSteps != -1) {
      Ensure.between(maxSteps, 1, Long.MAX_VALUE, "maxSteps");
    }
    Ensure.between(microBatchSize, 1, 4096, "microBatchSize");
    Ensure.between(gradientAccumulation, 1, 1 << 20, "gradientAccumulation");
    Ensure.between(learningRate, 0.0, 10.0, "learningRate");
    if (!Double.isNaN(embeddingLearningRate)) {
      Ensure.between(embeddingLearningRate, 0.0, 10.0, "embeddingLearningRate");
    }
    Ensure.between(weightDecay, 0.0, 10.0, "weightDecay");
    Ensure.notNull(schedule, "schedule");
    Ensure.notNull(warmup, "warmup");
    Ensure.between(maxGradNorm, 0.0, 1e9, "maxGradNorm");
    Ensure.between(evalEvery, 0, Integer.MAX_VALUE, "evalEvery");
    Ensure.between(checkpointEvery, 0, Integer.MAX_VALUE, "checkpointEvery");
    Ensure.between(keepCheckpoints, 1, 1_000_000, "keepCheckpoints");
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
    m.put("lr_scheduler_type", schedule.name().toLowerCase(java.util.Locale.ROOT));
    m.put("warmup_steps", Integer.toString(warmup.steps()));
    m.put("warmup_ratio", Double.toString(warmup.ratio()));
    m.put("max_grad_norm", Double.toString(maxGradNorm));
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
    private double maxGradNorm = 1.0;
    private int evalEvery;
    private int checkpointEvery;
    private int keepCheckpoints = 2;

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

    public Builder warmup(Warmup v) {
      warmup = v;
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

    public TrainingConfig build() {
      if (maxSteps == 0) {
        throw new ConfigurationException("maxSteps must be in [1, " + Long.MAX_VALUE + "] or -1, was 0");
      }
      return new TrainingConfig(seed, epochs, maxSteps, microBatchSize, gradientAccumulation, learningRate,
          embeddingLearningRate, weightDecay, schedule, warmup, maxGradNorm, evalEvery, checkpointEvery,
          keepCheckpoints);
    }
  }
}
