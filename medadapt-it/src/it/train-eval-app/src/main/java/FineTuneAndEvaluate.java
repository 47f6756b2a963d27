import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.model.LocalLanguageModel;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.bench.StandardLayout;
import dev.medadapt.eval.report.Comparison;
import dev.medadapt.eval.run.EvalRunner;
import dev.medadapt.eval.run.RunResult;
import dev.medadapt.eval.run.ScoringMode;
import dev.medadapt.eval.stats.Bootstrap;
import dev.medadapt.train.SftTrainer;
import dev.medadapt.train.TrainingConfig;
import dev.medadapt.train.TrainingResult;
import dev.medadapt.train.optim.Warmup;
import dev.medadapt.train.peft.AdapterMerger;
import java.nio.file.Path;
import java.util.List;

/** QLoRA SFT on medical-o1 data, merge, then base vs fine-tuned on MedQA with a paired McNemar test. */
public class FineTuneAndEvaluate {
  public static void main(String[] args) {
    Path base = Path.of(args[0]);    // a Hugging Face checkpoint folder
    Path sftData = Path.of(args[1]); // medical-o1-reasoning-SFT JSON: {"Question", "Complex_CoT", "Response"}
    Path data = Path.of(args[2]);    // benchmark folder laid out like the public releases (medqa_us/...)
    Path out = Path.of(args[3]);
    int steps = Integer.parseInt(args[4]); // the reference recipe trains one epoch; a demo takes a few steps

    // 1. QLoRA SFT: the reference LoRA (r 16, alpha 32, dropout 0.05, rsLoRA, 7 projections) on an NF4 base.
    TrainingResult t = SftTrainer.builder()
        .model(base)
        .data(sftData)
        .format(SftTrainer.Format.MEDICAL_O1)
        .quantization(Quantization.NF4)
        .maxLength(4096) // the recipe's max_seq_length
        .training(TrainingConfig.builder().seed(4242).maxSteps(steps).microBatchSize(1).gradientAccumulation(1)
            .learningRate(1e-4).schedule(TrainingConfig.Schedule.COSINE).warmup(Warmup.ratio(0.1)).build())
        .outputDir(out.resolve("sft"))
        .build()
        .run(); // resumes from out/sft/checkpoints when a run was interrupted
    System.out.println("Trained " + t.steps() + " steps; final loss " + t.finalLoss() + "; adapter " + t.adapterDir());

    // 2. Merge the adapter into a full checkpoint.
    Path merged = out.resolve("merged");
    AdapterMerger.merge(base, t.adapterDir(), merged, null);

    // 3. The same 20 seeded MedQA questions for both models, scored by the log-likelihood of the option letters.
    long seed = 4242;
    List<Question> questions = StandardLayout.load(data, "medqa");
    RunResult before = evaluate(base, questions, out.resolve("eval/base"), seed);
    RunResult after = evaluate(merged, questions, out.resolve("eval/sft"), seed);
    System.out.println("Accuracy: base " + before.accuracy() + ", fine-tuned " + after.accuracy());

    // 4. Paired by question: exact McNemar, Holm-adjusted across benchmarks, bootstrap interval of the difference.
    Comparison c = Comparison.builder()
        .a("sft", after.records())
        .b("base", before.records())
        .bootstrap(new Bootstrap(Bootstrap.DEFAULT_RESAMPLES, seed))
        .level(0.95)
        .alpha(0.05)
        .build();
    for (Comparison.Row row : c.rows()) {
      System.out.println(row.benchmark() + ": difference " + row.difference()
          + " [" + row.interval().low() + ", " + row.interval().high() + "]"
          + ", discordant " + row.onlyA() + "/" + row.onlyB() + ", McNemar p " + row.p()
          + ", Holm p " + row.adjustedP() + (row.significant() ? " (significant)" : " (not significant)"));
    }
  }

  static RunResult evaluate(Path model, List<Question> questions, Path runDir, long seed) {
    try (LanguageModel lm = LocalLanguageModel.builder().modelPath(model).build()) {
      return EvalRunner.builder().model(lm).questions(questions)
          .subset(seed, 20) // the runner draws the seeded subset, the same for both models
          .scoring(ScoringMode.LOGLIKELIHOOD)
          .outDir(runDir)
          .build().run(); // a run folder resumes where an interrupted run stopped
    }
  }
}
