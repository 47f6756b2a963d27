package dev.medadapt.examples;

import dev.medadapt.core.StorageException;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.model.LocalLanguageModel;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.study.EmbeddedDefault;
import dev.medadapt.train.SftTrainer;
import dev.medadapt.train.TrainingConfig;
import dev.medadapt.train.TrainingResult;
import dev.medadapt.train.data.SftDatasets;
import dev.medadapt.train.data.SftExample;
import dev.medadapt.train.metrics.StepMetrics;
import dev.medadapt.train.optim.Warmup;
import dev.medadapt.train.peft.AdapterMerger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QLoRA supervised fine-tuning with the reference recipe (LoRA r 16, alpha 32, rsLoRA on all 7 projections over an NF4
 * base; AdamW, cosine schedule, batch 2 x 4, seed 4242), shortened to a few optimizer steps, then the PEFT adapter
 * merged into a new Hugging Face checkpoint that {@link LocalLanguageModel} loads like any other.
 *
 * <pre>
 * FineTuneExample [--model DIR] [--sft-data medical_o1_sft.json] [--steps 4] [--max-length N] [--out DIR]
 * </pre>
 *
 * <p>By default it trains the embedded tiny random model on 300 MedQuAD question/answer pairs. A real run gives a
 * 16/32-bit Qwen2 checkpoint and medical-o1-reasoning-SFT data ({@code {Question, Complex_CoT, Response}} rows).
 * {@code --out} (default {@code target/medadapt-examples/finetune}) receives {@code train/} (metrics, loss curve,
 * checkpoints, {@code adapter/} in PEFT format) and {@code merged/}. Running it again resumes from the last checkpoint
 * (so it finds the run finished) and keeps the merged model.
 */
public final class FineTuneExample {
  private static final Logger LOG = LoggerFactory.getLogger(FineTuneExample.class);

  private FineTuneExample() {}

  public static void main(String[] args) {
    ExampleArgs opts = ExampleArgs.parse(args, "--model", "--sft-data", "--steps", "--max-length");
    Path out = opts.out("finetune");
    EmbeddedDefault d = EmbeddedDefault.extract(out.resolve("embedded")); // used for what is not given
    boolean embedded = opts.path("--model").isEmpty();
    Path baseModel = opts.path("--model").orElse(d.model());
    // Optimizer steps of the demo; the reference recipe trains one full epoch (it has no maxSteps).
    long steps = opts.integer("--steps", 4);
    SftTrainer.Builder trainer = SftTrainer.builder();
    List<SftExample> data;
    Path sftData = opts.path("--sft-data").orElse(null);
    if (sftData != null) {
      trainer.data(sftData).format(SftTrainer.Format.MEDICAL_O1); // the recipe's data set and template
      data = SftDatasets.medicalO1(sftData);
    } else {
      // MedQuAD rows {question, content} rendered as "### Question: ... ### Response:" + answer.
      trainer.data(d.corpus()).format(SftTrainer.Format.INSTRUCTION).template(EmbeddedDefault.SFT_TEMPLATE);
      data = SftDatasets.instruction(d.corpus(), EmbeddedDefault.SFT_TEMPLATE, Map.of());
    }
    // The recipe's 4,096 tokens; the tiny model's byte-level tokenizer makes 256 enough for a fast demo.
    trainer.maxLength(opts.integer("--max-length", embedded ? 256 : 4096));

    // 1. Train. SftTrainer.builder() starts from the reference recipe; only the length of the run is changed here.
    Path runDir = out.resolve("train");
    TrainingResult r = trainer
        .model(baseModel)
        .quantization(Quantization.NF4) // QLoRA: the frozen base is held in 4-bit NF4
        .training(shortened(SftTrainer.referenceTraining(), steps,
            // The recipe's 1e-4 barely moves a random model in a few steps; a real model keeps it.
            embedded ? 3e-3 : SftTrainer.referenceTraining().learningRate()))
        .outputDir(runDir)
        .build()
        .run();

    System.out.printf(Locale.ROOT, "Trained %d steps (resumed from step %d), %,d LoRA parameters%n",
        r.steps(), r.resumedFromStep(), r.trainableParameters());
    System.out.println("step  loss      learning_rate  grad_norm  eval_loss");
    for (StepMetrics m : r.metrics()) {
      System.out.printf(Locale.ROOT, "%4d  %.5f  %.3e      %.4f     %s%n", m.step(), m.loss(), m.learningRate(),
          m.gradNorm(), m.evalLoss() == null ? "-" : String.format(Locale.ROOT, "%.5f", m.evalLoss()));
    }
    System.out.printf(Locale.ROOT, "Final loss %.5f, final eval loss %.5f%n", r.finalLoss(), r.finalEvalLoss());
    System.out.println("Adapter (PEFT format): " + r.adapterDir());
    for (Path f : list(r.adapterDir())) {
      System.out.println("  " + f.getFileName());
    }

    // 2. Merge: W += scaling * B·A into the 16/32-bit base, written to merged.partial/ and renamed when complete.
    Path merged = out.resolve("merged");
    if (Files.isRegularFile(merged.resolve("config.json"))) {
      LOG.info("{} already holds the merged model", merged);
    } else {
      AdapterMerger.merge(baseModel, r.adapterDir(), merged, null);
    }
    System.out.println("Merged model: " + merged);

    // 3. Load both models and compare how likely they find an answer of the SFT data (higher = learned): the shortest,
    //    which fits the training window whole.
    SftExample ex = shortest(data);
    LoglikelihoodRequest request = new LoglikelihoodRequest(ex.prompt(), ex.completion());
    double before = loglikelihood(baseModel, request);
    double after = loglikelihood(merged, request);
    System.out.printf(Locale.ROOT, "Log-likelihood of an SFT answer: base %.3f, fine-tuned %.3f%n",
        before, after);
  }

  /** The recipe with {@code steps} optimizer steps and a 10% warmup (its 300 warmup steps would never finish). */
  static TrainingConfig shortened(TrainingConfig recipe, long steps, double learningRate) {
    return new TrainingConfig(recipe.seed(), recipe.epochs(), steps, recipe.microBatchSize(),
        recipe.gradientAccumulation(), learningRate, recipe.embeddingLearningRate(), recipe.weightDecay(),
        recipe.schedule(), Warmup.ratio(0.1), recipe.maxGradNorm(),
        0, // eval loss on the held-out 5% only at the end (the recipe: every 100 steps)
        0, // one checkpoint, at the end (the recipe: every 100 steps)
        recipe.keepCheckpoints());
  }

  static SftExample shortest(List<SftExample> data) {
    return data.stream().min(Comparator.comparingInt(e -> e.prompt().length() + e.completion().length())).orElseThrow();
  }

  private static double loglikelihood(Path modelDir, LoglikelihoodRequest request) {
    try (LanguageModel lm = LocalLanguageModel.builder().modelPath(modelDir).build()) {
      return lm.loglikelihood(List.of(request)).get(0).logLikelihood();
    }
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    } catch (IOException e) {
      throw new StorageException("cannot list", dir, e);
    }
  }
}
