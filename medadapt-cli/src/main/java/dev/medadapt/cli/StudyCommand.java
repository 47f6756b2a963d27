package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.study.EmbeddedDefault;
import dev.medadapt.study.Study;
import dev.medadapt.study.StudyResult;
import dev.medadapt.train.SftTrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code medadapt study}: the reference study in one command. Without {@code --model} it runs on the embedded
 * default (a tiny Qwen2 checkpoint and a small sample of the four benchmarks and of MedQuAD), which exercises every
 * stage in a few minutes; with a real model, data and corpus it is the full study.
 */
@Command(
    name = "study",
    mixinStandardHelpOptions = true,
    description = {
      "Base model vs RAG, SFT (QLoRA), CPT and MSFT (CPT, merge, SFT) on the same seeded benchmark questions,",
      "with Wilson and bootstrap intervals and paired McNemar tests (Holm-corrected) against the base model.",
      "Resumable: rerun the same command to continue. Writes OUT/study.{md,csv,json,svg,png} and OUT/compare/."
    })
public final class StudyCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", paramLabel = "DIR",
      description = "base model folder (Hugging Face Qwen2 checkpoint); default: the embedded tiny model and sample data")
  Path model;

  @Option(names = "--data", paramLabel = "DIR",
      description = "benchmark data folder in the standard layout (medqa_us/, medmcqa/, mmlu_medical/, pubmedqa/)")
  Path data;

  @Option(names = "--corpus", paramLabel = "FILE", split = ",", description = "MedRAG JSONL corpus files (CPT; RAG and the IR baselines unless --collection is given)")
  List<Path> corpus = List.of();

  @Option(names = "--sft-data", paramLabel = "FILE", split = ",", description = "SFT data files")
  List<Path> sftData = List.of();

  @Option(names = "--sft-format", defaultValue = "medical-o1",
      description = "SFT data format: medical-o1 ({Question, Complex_CoT, Response}), chat ({messages}) (default: ${DEFAULT-VALUE})")
  String sftFormat;

  @Option(names = "--arms", split = ",", defaultValue = "rag,sft,cpt,msft",
      description = "adaptations to compare with the base model (default: ${DEFAULT-VALUE})")
  List<String> arms;

  @Option(names = "--benchmarks", split = ",", defaultValue = "medqa,medmcqa,mmlu,pubmedqa",
      description = "benchmarks (default: ${DEFAULT-VALUE})")
  List<String> benchmarks;

  @Option(names = "--n", description = "questions per benchmark, 0 for all (default: 200; 40 on the embedded default)")
  Integer n;

  @Option(names = "--seed", defaultValue = "4242", description = "seed of subsets, training and bootstrap (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--scoring", defaultValue = "loglikelihood",
      description = "loglikelihood (option letters, lm-eval acc) or generate (the reference study's prompt and "
          + "answer extraction) (default: ${DEFAULT-VALUE})")
  String scoring;

  @Option(names = "--format", defaultValue = "seed", description = "prompt format of --scoring generate (default: ${DEFAULT-VALUE})")
  String format;

  @Option(names = "--max-new-tokens", defaultValue = "1024", description = "generation budget of --scoring generate (default: ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--train-steps",
      description = "optimizer steps per training run (default: the recipe's full epoch; 16 on the embedded default)")
  Long trainSteps;

  @Option(names = "--learning-rate",
      description = "learning rate of every training run (default: the recipes' 1e-4 for SFT and 1e-5 for CPT; "
          + "3e-3 on the embedded default, whose 16 steps would otherwise barely move the tiny model)")
  Double learningRate;

  @Option(names = "--max-length", description = "training sequence length (default: 4096; 512 on the embedded default)")
  Integer maxLength;

  @Option(names = "--no-qlora", description = "train SFT on the 32-bit base instead of NF4 (QLoRA)")
  boolean noQlora;

  @Option(names = "--rag-k",
      description = "snippets per question in the RAG arm (default: 3 as in the reference study; 1 on the embedded "
          + "default, whose byte-level tokenizer makes each 1,000-character snippet about 1,000 tokens)")
  Integer ragK;

  @Option(names = "--baselines", split = ",", defaultValue = "ir-bm25,ir-dense,ir-hybrid",
      description = "LLM-free IR baselines (Clark et al. 2016) over the corpus, compared pairwise; \"none\" for none "
          + "(default: ${DEFAULT-VALUE})")
  List<String> baselines;

  @Option(names = "--chunk-size", paramLabel = "CHARS",
      description = "split corpus passages longer than CHARS characters, overlap CHARS/5 (default: 1000 as MedRAG; 500 "
          + "on the embedded default, whose byte-level tokenizer makes every character a token)")
  Integer chunkSize;

  @ArgGroup(exclusive = false, heading = "Retrieval from a SolrCloud collection instead of indexing --corpus into OUT/index "
      + "(the RAG arm and the IR baselines search it)%n")
  RetrievalTarget.Solr solr;

  @Option(names = "--out", defaultValue = "runs/study", paramLabel = "DIR", description = "study folder (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--no-progress", description = "do not draw progress bars")
  boolean noProgress;

  @Override
  public Integer call() {
    Study.Builder b = Study.builder()
        .outDir(out)
        .benchmarks(benchmarks)
        .seed(seed)
        .arms(parseArms())
        .scoring(parseScoring())
        .promptFormat(format)
        .maxNewTokens(maxNewTokens)
        .sftQuantization(noQlora ? Quantization.NONE : Quantization.NF4)
        .baselines(parseBaselines());
    PrintWriter err = spec.commandLine().getErr();
    OutPaths.requireDirectory(out, "--out");
    if (model == null) {
      if (data != null || !corpus.isEmpty() || !sftData.isEmpty()) {
        throw new ConfigurationException("--data, --corpus and --sft-data need --model (without it the embedded default is used)");
      }
      EmbeddedDefault d = EmbeddedDefault.extract(out.resolve("embedded"));
      err.println("study: no --model, so the embedded default runs (extracted to " + d.root() + "): a tiny RANDOM "
          + "Qwen2 model, whose arms demonstrate the pipeline at chance level, and the LLM-free IR solver with BM25, "
          + "dense and hybrid retrieval over the sample corpus, a real comparison");
      b.model(d.model())
          .modelProvenance(EmbeddedDefault.MODEL_DESCRIPTION, true)
          .chunkSize(chunkSize == null ? 500 : chunkSize).data(d.data()).corpus(List.of(d.corpus()))
          .sftData(List.of(d.corpus()), SftTrainer.Format.INSTRUCTION)
          .sftTemplate(EmbeddedDefault.SFT_TEMPLATE, java.util.Map.of())
          .n(n == null ? 40 : n)
          .trainSteps(trainSteps == null ? 16 : trainSteps)
          .maxLength(maxLength == null ? 512 : maxLength)
          .learningRate(learningRate == null ? 3e-3 : learningRate)
          .ragK(ragK == null ? 1 : ragK);
    } else {
      if (data == null) {
        throw new ConfigurationException("--data is required with --model");
      }
      b.model(model).data(data).corpus(corpus).sftData(sftData, parseSftFormat())
          .n(n == null ? 200 : n)
          .trainSteps(trainSteps == null ? -1 : trainSteps)
          .maxLength(maxLength == null ? 4096 : maxLength)
          .learningRate(learningRate == null ? Double.NaN : learningRate)
          .ragK(ragK == null ? 3 : ragK)
          .chunkSize(chunkSize == null ? 1000 : chunkSize)
          .modelProvenance(model.toString(), false);
    }
    StudyResult r;
    long start = System.nanoTime();
    try (StudyRetrieval source = solr == null ? null : new StudyRetrieval(RetrievalTarget.solr(solr));
        ProgressBar bar = noProgress ? null : ProgressBar.onStderr()) {
      if (bar != null) {
        b.progress(bar);
      }
      if (source != null) {
        b.retrieval(source);
        err.println("study: the RAG arm and the IR baselines retrieve from " + source.describe());
      }
      b.stages((number, total, description) -> {
        String line = String.format(Locale.ROOT, "study [%d/%d] %s  (%s elapsed)", number, total, description,
            ProgressBar.duration(java.time.Duration.ofNanos(System.nanoTime() - start)));
        if (bar != null) {
          bar.message(line);
        } else {
          err.println(line);
          err.flush();
        }
      });
      r = b.build().run();
    }
    PrintWriter o = spec.commandLine().getOut();
    o.print(java.nio.file.Files.exists(r.report()) ? readReport(r.report()) : "");
    o.flush();
    err.printf(Locale.ROOT, "report: %s (%s)%n", r.report().toAbsolutePath(),
        ProgressBar.duration(java.time.Duration.ofNanos(System.nanoTime() - start)));
    err.flush();
    return 0;
  }

  private static String readReport(Path report) {
    try {
      return java.nio.file.Files.readString(report);
    } catch (java.io.IOException e) {
      throw new dev.medadapt.core.MedAdaptException("cannot read the report " + report + ": " + e.getMessage(), e);
    }
  }

  private Set<Study.Baseline> parseBaselines() {
    Set<Study.Baseline> set = EnumSet.noneOf(Study.Baseline.class);
    for (String x : baselines) {
      if (!x.isBlank() && !x.trim().equalsIgnoreCase("none")) {
        set.add(Study.Baseline.parse(x));
      }
    }
    return set;
  }

  private Set<Study.Arm> parseArms() {
    Set<Study.Arm> set = EnumSet.noneOf(Study.Arm.class);
    for (String a : arms) {
      if (!a.isBlank()) {
        set.add(Study.Arm.parse(a));
      }
    }
    return set;
  }

  private Study.Scoring parseScoring() {
    return switch (scoring.toLowerCase(Locale.ROOT)) {
      case "loglikelihood" -> Study.Scoring.LOGLIKELIHOOD;
      case "generate" -> Study.Scoring.GENERATE;
      default -> throw new ConfigurationException("--scoring must be loglikelihood or generate, was " + scoring);
    };
  }

  private SftTrainer.Format parseSftFormat() {
    return switch (sftFormat) {
      case "medical-o1" -> SftTrainer.Format.MEDICAL_O1;
      case "chat" -> SftTrainer.Format.CHAT;
      default -> throw new ConfigurationException("--sft-format must be medical-o1 or chat, was " + sftFormat);
    };
  }
}
