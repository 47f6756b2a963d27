package dev.medadapt.cli;

import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.train.CptTrainer;
import dev.medadapt.train.SftTrainer;
import dev.medadapt.train.TrainingConfig;
import dev.medadapt.train.TrainingResult;
import dev.medadapt.train.data.LossMode;
import dev.medadapt.train.lora.LoraConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code medadapt train sft|cpt --model DIR --data FILE... --out DIR [options]}: LoRA training with the reference
 * study's recipe as defaults; options are named like Hugging Face TrainingArguments/PEFT. Re-running the same
 * command resumes from the newest checkpoint in {@code --out}. Prints the adapter folder on stdout; progress on
 * stderr.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Fine-tune (sft) or continually pretrain (cpt) a Qwen2 model with LoRA; resumable.")
public final class TrainCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", description = "sft or cpt")
  String recipe;

  @Option(names = "--model", required = true, description = "Base model folder.")
  Path model;

  @Option(names = "--data", required = true, arity = "1..*", description = "SFT: medical-o1 JSON/JSONL; CPT: MedRAG JSONL.")
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
  @Option(names = "--load-in-4bit", description = "Frozen base in NF4 (QLoRA).") boolean nf4;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    ProgressListener bar = p -> err.printf(Locale.ROOT, "\r%s %d/%d %s %s", p.task(), p.done(), p.total(), p.unit(),
        render(p)).flush();
    boolean sft = switch (recipe) {
      case "sft" -> true;
      case "cpt" -> false;
      default -> throw new dev.medadapt.core.ConfigurationException("recipe must be sft or cpt, was " + recipe);
    };
    TrainingConfig base = sft ? SftTrainer.referenceTraining() : CptTrainer.referenceTraining();
    TrainingConfig.Builder t = TrainingConfig.builder().seed(seed != null ? seed : base.seed())
        .epochs(epochs != null ? epochs : base.epochs()).maxSteps(maxSteps != null ? maxSteps : base.maxSteps())
        .learningRate(lr != null ? lr : base.learningRate())
        .embeddingLearningRate(base.embeddingLearningRate())
        .microBatchSize(batch != null ? batch : base.microBatchSize())
        .gradientAccumulation(accum != null ? accum : base.gradientAccumulation())
        .weightDecay(base.weightDecay()).schedule(base.schedule()).warmup(base.warmup())
        .maxGradNorm(base.maxGradNorm()).evalEvery(base.evalEvery()).checkpointEvery(base.checkpointEvery())
        .keepCheckpoints(base.keepCheckpoints());
    LoraConfig l = sft ? SftTrainer.referenceLora() : CptTrainer.referenceLora();
    LoraConfig lora = LoraConfig.builder().rank(r != null ? r : l.rank()).alpha(alpha != null ? alpha : l.alpha())
        .dropout(dropout != null ? dropout : l.dropout()).rsLora(l.rsLora()).targetModules(l.targetModules()).build();
    Quantization q = nf4 ? Quantization.NF4 : Quantization.NONE;
    TrainingResult result;
    if (sft) {
      result = SftTrainer.builder().model(model).data(data).outputDir(out).lora(lora).training(t.build())
          .maxLength(maxLength).evalFraction(evalFraction != null ? evalFraction : 0.05)
          .lossMode(loss.equals("full") ? LossMode.FULL_SEQUENCE : LossMode.COMPLETION_ONLY)
          .quantization(q).progress(bar).build().run();
    } else {
      result = CptTrainer.builder().model(model).corpus(data).outputDir(out).lora(lora).training(t.build())
          .blockLength(maxLength).evalFraction(evalFraction != null ? evalFraction : 0).quantization(q)
          .progress(bar).build().run();
    }
    err.println();
    err.printf(Locale.ROOT, "%d steps, final loss %.4f, eval loss %.4f, %d trainable parameters%n", result.steps(),
        result.finalLoss(), result.finalEvalLoss(), result.trainableParameters());
    spec.commandLine().getOut().println(result.adapterDir().toAbsolutePath());
    return 0;
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
