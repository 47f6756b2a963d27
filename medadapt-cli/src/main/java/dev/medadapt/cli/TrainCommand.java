package dev.medadapt.cli;

import ai.djl.Device;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.train.CptTrainer;
import dev.medadapt.train.SftTrainer;
import dev.medadapt.train.TrainingConfig;
import dev.medadapt.train.TrainingResult;
import dev.medadapt.train.data.LossMode;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.optim.Warmup;
import dev.medadapt.train.pipeline.AdaptationPipeline;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code medadapt train sft --model DIR --sft-data FILE[,FILE...] --out DIR [options]} (or {@code train cpt ... --corpus
 * FILE[,FILE...]}): LoRA training with the reference
 * study's recipe as defaults; options are named like Hugging Face TrainingArguments/PEFT. Re-running the same
 * command resumes from the newest checkpoint in {@code --out}. Prints the adapter folder on stdout; progress on
 * stderr.
 *
 * <p>{@code medadapt train msft --model DIR --corpus FILE[,FILE...] --sft-data FILE[,FILE...] --out DIR} runs the
 * {@link AdaptationPipeline}: CPT on {@code --corpus} (the CPT recipe, {@code --cpt-*} options), merge into
 * {@code OUT/cpt-merged}, then SFT of the merged model on {@code --sft-data} (the SFT recipe and the other options).
 * Prints the SFT adapter folder (it applies to {@code OUT/cpt-merged}); {@code OUT/pipeline.json} records the chain.
 * In msft the optimization options ({@code --learning-rate}, {@code --warmup-*}, {@code --lr-scheduler-type},
 * {@code --weight-decay}, {@code --max-grad-norm}) set the SFT stage, {@code --embedding-learning-rate} the CPT stage,
 * and the bookkeeping and memory options ({@code --save-*}, {@code --logging-steps}, {@code --gradient-checkpointing},
 * {@code --device}) both.
 *
 * <p>Every option's value, given or from the recipe, is recorded in the run folder's {@code provenance.json} under
 * transformers' {@code TrainingArguments} name ({@code warmup_steps}, {@code lr_scheduler_type}, …).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Fine-tune (sft), continually pretrain (cpt), or both in a row on the merged CPT model (msft) a "
        + "Qwen2 model with LoRA; resumable.")
public final class TrainCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", description = "sft, cpt or msft")
  String recipe;

  @Option(names = "--model", required = true, description = "Base model folder.")
  Path model;

  @Option(names = "--sft-data", split = ",", paramLabel = "FILE",
      description = "sft, msft: SFT data files (medical-o1 JSON/JSONL: Question, Complex_CoT, Response), comma-separated "
          + "or repeated (the same option as in study).")
  List<Path> data;

  @Option(names = "--out", required = true, description = "Run folder (adapter/, checkpoints/, metrics, loss.svg).")
  Path out;

  @Option(names = "--seed", description = "Seed for data order, dropout, init and eval split.") Long seed;
  @Option(names = "--max-steps", description = "Optimizer steps (default: --num-train-epochs epochs).") Long maxSteps;
  @Option(names = "--num-train-epochs", description = "Epochs (default 1).") Integer epochs;
  @Option(names = "--learning-rate", description = "Peak learning rate.") Double lr;
  @Option(names = "--per-device-train-batch-size", description = "Sequences per micro-batch.") Integer batch;
  @Option(names = "--gradient-accumulation-steps", description = "Micro-batches per step.") Integer accum;
  @Option(names = "--lora-r", description = "LoRA rank.") Integer r;
  @Option(names = "--lora-alpha", description = "LoRA alpha.") Double alpha;
  @Option(names = "--lora-dropout", description = "LoRA dropout.") Double dropout;
  @Option(names = "--max-length", defaultValue = "4096", description = "SFT max tokens / CPT block length (default ${DEFAULT-VALUE}).") int maxLength;
  @Option(names = "--eval-split", description = "Fraction held out for eval loss (SFT default 0.05).") Double evalFraction;
  @Option(names = "--loss", defaultValue = "completion", description = "SFT loss: completion (prompt masked) or full.") String loss;
  @Option(names = "--load-in-4bit", description = "Frozen base in NF4 (QLoRA); msft: of the SFT stage.") boolean nf4;

  @Option(names = "--warmup-steps", paramLabel = "N",
      description = "Linear warm-up over N optimizer steps (default: sft 300; cpt uses --warmup-ratio). Not with "
          + "--warmup-ratio.") Integer warmupSteps;
  @Option(names = "--warmup-ratio", paramLabel = "R",
      description = "Warm-up over ceil(R x total steps) steps, R in [0, 1] (default: cpt 0.05; sft uses "
          + "--warmup-steps). Not with --warmup-steps.") Double warmupRatio;
  @Option(names = "--lr-scheduler-type", paramLabel = "TYPE",
      description = "cosine, linear, constant or constant_with_warmup, as transformers' get_scheduler (default: sft "
          + "cosine, cpt linear). constant has no warm-up: the recipe's is dropped, a given one refused.")
  String schedulerType;
  @Option(names = "--weight-decay", paramLabel = "WD",
      description = "AdamW decoupled weight decay, not applied to biases or norms (default: sft 0.01, cpt 0).")
  Double weightDecay;
  @Option(names = "--max-grad-norm", paramLabel = "NORM",
      description = "Global gradient-norm clipping threshold; 0 disables clipping (default 1.0).") Double maxGradNorm;
  @Option(names = "--save-steps", paramLabel = "N",
      description = "A checkpoint every N optimizer steps and at the end; 0 only at the end (default 100).")
  Integer saveSteps;
  @Option(names = "--save-total-limit", paramLabel = "N",
      description = "Checkpoints kept in OUT/checkpoints; older ones are deleted (default 2).") Integer saveTotalLimit;
  @Option(names = "--logging-steps", paramLabel = "N",
      description = "Log and report progress every N optimizer steps and at the last; metrics.csv keeps every step "
          + "(default 1).") Integer loggingSteps;
  @Option(names = "--embedding-learning-rate", paramLabel = "LR",
      description = "cpt, msft: peak learning rate of the embed_tokens/lm_head adapters (default 5e-6).")
  Double embeddingLr;
  @Option(names = "--gradient-checkpointing", arity = "1", paramLabel = "true|false",
      description = "Recompute each decoder layer in the backward pass instead of keeping its activations: the same "
          + "gradients, far less memory, about a third more compute (default true).") Boolean gradientCheckpointing;

  @Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--corpus", split = ",", paramLabel = "FILE",
      description = "cpt, msft: MedRAG JSONL corpus files (the CPT data), comma-separated or repeated.") List<Path> corpus;
  @Option(names = "--cpt-max-steps", description = "msft: CPT optimizer steps (default: one epoch).") Long cptMaxSteps;
  @Option(names = "--cpt-learning-rate", description = "msft: CPT peak learning rate (default 1e-5).") Double cptLr;
  @Option(names = "--cpt-block-length", description = "msft: CPT block length (default: min(--max-length, 1024)).") Integer cptBlock;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    ProgressListener bar = p -> err.printf(Locale.ROOT, "\r%s %d/%d %s %s", p.task(), p.done(), p.total(), p.unit(),
        render(p)).flush();
    if (!recipe.equals("sft") && !recipe.equals("cpt") && !recipe.equals("msft")) {
      throw new ConfigurationException("recipe must be sft, cpt or msft, was " + recipe);
    }
    OutPaths.requireDirectory(out, "--out");
    boolean hasData = data != null && !data.isEmpty();
    boolean hasCorpus = corpus != null && !corpus.isEmpty();
    if (recipe.equals("sft") && hasCorpus) {
      throw new ConfigurationException("--corpus is for cpt and msft (continual pretraining); sft reads --sft-data");
    }
    if (recipe.equals("cpt") && hasData) {
      throw new ConfigurationException("cpt reads its MedRAG corpus from --corpus; --sft-data is the SFT data of sft and msft");
    }
    if (!recipe.equals("cpt") && !hasData) {
      throw new ConfigurationException(recipe + " needs --sft-data FILE[,FILE...] (SFT data: medical-o1 JSON/JSONL)");
    }
    if (!recipe.equals("sft") && !hasCorpus) {
      throw new ConfigurationException(recipe + " needs --corpus FILE[,FILE...] (MedRAG JSONL) for its CPT stage");
    }
    if (warmupSteps != null && warmupRatio != null) {
      throw new ConfigurationException("--warmup-steps " + warmupSteps + " and --warmup-ratio " + warmupRatio
          + " were both given; give one of them");
    }
    if (embeddingLr != null && recipe.equals("sft")) {
      throw new ConfigurationException("--embedding-learning-rate is for cpt and msft (the embedding adapters of the "
          + "CPT recipe); the sft recipe trains no embedding adapters");
    }
    Quantization q = nf4 ? Quantization.NF4 : Quantization.NONE;
    Device dev = device.device();
    TrainingResult result;
    if (recipe.equals("msft")) {
      TrainingConfig cptRef = CptTrainer.referenceTraining();
      LoraConfig cptLora = CptTrainer.referenceLora();
      CptTrainer.Builder cpt = CptTrainer.builder().corpus(corpus).lora(cptLora)
          .training(training(cptRef, cptMaxSteps, cptLr, false).build())
          .blockLength(cptBlock != null ? cptBlock : Math.min(maxLength, 1024)).device(dev).progress(bar);
      AdaptationPipeline.Result r = AdaptationPipeline.builder().model(model).outputDir(out).cpt(cpt)
          .sft(sftStage(q, dev, bar)).build().run();
      err.println();
      err.printf(Locale.ROOT, "cpt: %d steps, final loss %.4f; merged model %s%n", r.cpt().steps(),
          r.cpt().finalLoss(), r.mergedCptModel().toAbsolutePath());
      result = r.sft();
    } else if (recipe.equals("sft")) {
      result = sftStage(q, dev, bar).model(model).outputDir(out).build().run();
    } else {
      result = CptTrainer.builder().model(model).corpus(corpus).outputDir(out).lora(lora(CptTrainer.referenceLora()))
          .training(training(CptTrainer.referenceTraining(), maxSteps, lr, true).build())
          .blockLength(maxLength).evalFraction(evalFraction != null ? evalFraction : 0).quantization(q)
          .device(dev).progress(bar).build().run();
    }
    err.println();
    err.printf(Locale.ROOT, "%d steps, final loss %.4f, eval loss %.4f, %d trainable parameters%n", result.steps(),
        result.finalLoss(), result.finalEvalLoss(), result.trainableParameters());
    spec.commandLine().getOut().println(result.adapterDir().toAbsolutePath());
    return 0;
  }

  /** The SFT recipe with this command's options; model and output folder are set by the caller. */
  private SftTrainer.Builder sftStage(Quantization q, Device dev, ProgressListener bar) {
    return SftTrainer.builder().data(data).lora(lora(SftTrainer.referenceLora()))
        .training(training(SftTrainer.referenceTraining(), maxSteps, lr, true).build())
        .maxLength(maxLength).evalFraction(evalFraction != null ? evalFraction : 0.05)
        .lossMode(loss.equals("full") ? LossMode.FULL_SEQUENCE : LossMode.COMPLETION_ONLY)
        .quantization(q).device(dev).progress(bar);
  }

  /**
   * The recipe's settings with this command's overrides. {@code shared}: the stage the batch, epoch and optimization
   * options apply to (sft, cpt, and msft's SFT stage); the bookkeeping and memory options apply to every stage, the
   * embedding learning rate to a CPT stage.
   */
  private TrainingConfig.Builder training(TrainingConfig base, Long steps, Double rate, boolean shared) {
    boolean cptStage = recipe.equals("cpt") || recipe.equals("msft") && !shared;
    TrainingConfig.Builder b = base.toBuilder();
    if (seed != null) {
      b.seed(seed);
    }
    if (steps != null) {
      b.maxSteps(steps);
    }
    if (rate != null) {
      b.learningRate(rate);
    }
    if (cptStage && embeddingLr != null) {
      b.embeddingLearningRate(embeddingLr);
    }
    if (saveSteps != null) {
      b.saveSteps(saveSteps);
    }
    if (saveTotalLimit != null) {
      b.saveTotalLimit(saveTotalLimit);
    }
    if (loggingSteps != null) {
      b.loggingSteps(loggingSteps);
    }
    if (gradientCheckpointing != null) {
      b.gradientCheckpointing(gradientCheckpointing);
    }
    if (!shared) {
      return b;
    }
    if (epochs != null) {
      b.epochs(epochs);
    }
    if (batch != null) {
      b.microBatchSize(batch);
    }
    if (accum != null) {
      b.gradientAccumulation(accum);
    }
    if (weightDecay != null) {
      b.weightDecay(weightDecay);
    }
    if (maxGradNorm != null) {
      b.maxGradNorm(maxGradNorm);
    }
    if (schedulerType != null) {
      TrainingConfig.Schedule s = TrainingConfig.Schedule.fromHfName(schedulerType);
      b.lrSchedulerType(s);
      if (s == TrainingConfig.Schedule.CONSTANT && warmupSteps == null && warmupRatio == null) {
        b.warmup(Warmup.steps(0)); // the recipe's warm-up does not apply to transformers' constant schedule
      }
    }
    if (warmupSteps != null) {
      b.warmupSteps(warmupSteps);
    }
    if (warmupRatio != null) {
      b.warmupRatio(warmupRatio);
    }
    return b;
  }

  /** The recipe's LoRA settings with the rank/alpha/dropout options applied. */
  private LoraConfig lora(LoraConfig l) {
    return LoraConfig.builder().rank(r != null ? r : l.rank()).alpha(alpha != null ? alpha : l.alpha())
        .dropout(dropout != null ? dropout : l.dropout()).rsLora(l.rsLora()).targetModules(l.targetModules()).build();
  }

  private static String render(Progress p) {
    StringBuilder sb = new StringBuilder();
    p.metrics().forEach((k, v) -> sb.append(k).append(' ')
        .append(v instanceof Double d ? String.format(Locale.ROOT, "%.4g", d) : v).append("  "));
    if (p.eta() != null) {
      sb.append("ETA ").append(p.eta().toSeconds()).append('s');
    }
    return sb.toString();
  }
}
