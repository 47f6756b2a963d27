package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.eval.bench.BenchmarkLoaders;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.bench.StandardLayout;
import dev.medadapt.eval.prompt.Prompts;
import dev.medadapt.eval.report.ReportFiles;
import dev.medadapt.eval.report.Reports;
import dev.medadapt.eval.report.RunSummary;
import dev.medadapt.eval.run.EvalRunner;
import dev.medadapt.eval.run.RunResult;
import dev.medadapt.eval.run.ScoringMode;
import dev.medadapt.eval.score.AnswerExtractors;
import dev.medadapt.eval.score.MultipleChoiceScorer;
import dev.medadapt.eval.stats.Bootstrap;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code medadapt eval}: runs a model on medical benchmarks into a resumable run directory and
 * writes the accuracy summary (Markdown, CSV, JSON, SVG, PNG).
 *
 * <pre>
 * ./medadapt eval --openai-url http://localhost:8000/v1 --openai-model qwen --benchmarks medqa,mmlu \
 *     --data DATA_DIR --n 200 --seed 4242 --format seed --out runs/base
 * </pre>
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Ask a model the questions of medical benchmarks and score its answers. Each item is recorded as soon as "
            + "it is scored (OUT/records.jsonl); rerunning the same command on the same --out resumes. Writes "
            + "OUT/summary.{md,csv,json,svg,png} and prints the summary table.")
public final class EvalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @picocli.CommandLine.Mixin ModelOptions model = new ModelOptions();

  @Option(names = "--benchmarks", split = ",", paramLabel = "NAME[=PATH]", defaultValue = "medqa,medmcqa,mmlu,pubmedqa",
      description = "benchmarks, comma-separated: medqa, medmcqa, mmlu, pubmedqa, pubmedqa:context, mirage:<set>, ...; "
          + "NAME=PATH reads that file or folder instead of the standard location under --data (default: ${DEFAULT-VALUE})")
  List<String> benchmarks;

  @Option(names = "--data", paramLabel = "DIR",
      description = "data folder with the standard layout (medqa_us/, medmcqa/, mmlu_medical/, pubmedqa/, mirage/); "
          + "default: the embedded benchmark sample (40 questions of MedQA, MedMCQA and PubMedQA, 36 of MMLU), said so on stderr")
  Path data;

  @Option(names = "--n", defaultValue = "200", description = "questions per benchmark, 0 for all (default: ${DEFAULT-VALUE})")
  int n;

  @Option(names = "--seed", defaultValue = "4242", description = "seed of the question subsets and the bootstrap (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--stratified", description = "draw subsets stratified by answer letter")
  boolean stratified;

  @Option(names = "--format", defaultValue = "seed", description = "prompt format: seed, medrag or lmeval (default: ${DEFAULT-VALUE})")
  String format;

  @Option(names = "--extractor", defaultValue = "reasoning", description = "answer extractor: reasoning or mirage (default: ${DEFAULT-VALUE})")
  String extractor;

  @Option(names = "--mode", defaultValue = "generate",
      description = "generate, loglikelihood (lm-eval acc) or loglikelihood-norm (acc_norm) (default: ${DEFAULT-VALUE})")
  String mode;

  @Option(names = "--ll-choices", defaultValue = "letters",
      description = "log-likelihood continuations: letters (lm-eval MMLU style) or texts (option texts, lm-eval MedQA style) "
          + "(default: ${DEFAULT-VALUE})")
  String llChoices;

  @Option(names = "--max-new-tokens", defaultValue = "1024", description = "generation budget per question (default: ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0", description = "0 for greedy decoding (default: ${DEFAULT-VALUE})")
  double temperature;

  @Option(names = "--rag-index", paramLabel = "DIR",
      description = "retrieve context from this medadapt-rag index with the question text (MedRAG style)")
  Path ragIndex;

  @ArgGroup(exclusive = false, heading = "Or retrieve from a SolrCloud collection%n")
  RetrievalTarget.Solr ragSolr;

  @Option(names = "--rag-mode", paramLabel = "MODE",
      description = "bm25, dense or hybrid (default: hybrid for an index with vectors, bm25 for a BM25-only one)")
  String ragMode;

  @Option(names = "--embedder", paramLabel = "SPEC", description = "query embedder for --rag-mode dense/hybrid (default: the index's): "
      + Embedders.HELP)
  String embedder;

  @Option(names = "--rrf-k", defaultValue = "60", description = "reciprocal rank fusion constant of hybrid retrieval (default: ${DEFAULT-VALUE})")
  int rrfK;

  @Option(names = "--rag-k", defaultValue = "5", description = "snippets retrieved per question (default: ${DEFAULT-VALUE})")
  int ragK;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "run directory (created, or resumed)")
  Path out;

  @Option(names = "--bootstrap", defaultValue = "10000", description = "bootstrap resamples for the summary (default: ${DEFAULT-VALUE})")
  int resamples;

  @Option(names = "--parallel", defaultValue = "1",
      description = "questions in flight at once, for servers that batch concurrent requests (default: ${DEFAULT-VALUE})")
  int parallel;

  @Option(names = "--batch-size", defaultValue = "1",
      description = "generate mode: questions decoded together as one batch by the local model (default: ${DEFAULT-VALUE})")
  int batchSize;

  @Option(names = "--no-progress", description = "do not draw the progress bar")
  boolean noProgress;

  @Override
  public Integer call() {
    headless();
    OutPaths.requireDirectory(out, "--out");
    PrintWriter err = spec.commandLine().getErr();
    try (EmbeddedFiles sample = needsEmbeddedData() ? EmbeddedFiles.all() : null) {
      Path dataDir = data;
      if (sample != null) {
        dataDir = sample.files().data();
        err.println("eval: no --data, so the embedded benchmark sample is used (40 questions of MedQA, MedMCQA and "
            + "PubMedQA, 36 of MMLU; see --data)");
        err.flush();
      }
      List<Question> questions = loadQuestions(dataDir);
      try (ModelOptions.Opened opened =
          model.open("eval", err, b -> b.seed(seed).loglikelihoodViaEcho(ScoringMode.forName(mode).isLoglikelihood()))) {
        return run(opened.model(), questions);
      }
    }
  }

  /** True when a benchmark is named without a path and there is no --data to find it in. */
  private boolean needsEmbeddedData() {
    return data == null && benchmarks.stream().anyMatch(spec -> spec.indexOf('=') < 0);
  }

  /** Loads each benchmark whole (the runner draws the seeded subset). */
  List<Question> loadQuestions(Path dataDir) {
    List<Question> all = new ArrayList<>();
    for (String spec : benchmarks) {
      String name = spec;
      Path path;
      int eq = spec.indexOf('=');
      if (eq >= 0) {
        name = spec.substring(0, eq);
        path = Path.of(spec.substring(eq + 1));
      } else {
        path = StandardLayout.locate(dataDir, name);
      }
      if (!Files.exists(path)) {
        throw new ConfigurationException("benchmark " + name + ": " + path + " does not exist");
      }
      all.addAll(BenchmarkLoaders.forName(name).load(path));
    }
    return all;
  }

  /** Runs the evaluation with an open model and writes the summary (used by tests with a fake model). */
  int run(LanguageModel model, List<Question> questions) {
    ScoringMode scoring = ScoringMode.forName(mode);
    EvalRunner.Builder b =
        EvalRunner.builder()
            .model(model)
            .questions(questions)
            .outDir(out)
            .scoring(scoring)
            .parallelism(parallel)
            .batchSize(batchSize)
            .options(GenerationOptions.builder().maxNewTokens(maxNewTokens).temperature(temperature).seed(seed).build());
    if (stratified) {
      b.stratifiedSubset(seed, n);
    } else {
      b.subset(seed, n);
    }
    if (scoring == ScoringMode.GENERATE) {
      b.promptFormat(Prompts.forName(format)).extractor(AnswerExtractors.forName(extractor)).extractorName(extractor);
    } else {
      if (!format.equals("lmeval") && !format.equals("seed")) {
        throw new ConfigurationException("--mode " + mode + " uses the lmeval prompt format, not --format " + format);
      }
      b.choices(switch (llChoices) {
        case "letters" -> MultipleChoiceScorer.Choices.LETTERS;
        case "texts" -> MultipleChoiceScorer.Choices.OPTION_TEXTS;
        default -> throw new ConfigurationException("--ll-choices must be letters or texts, was " + llChoices);
      });
    }
    PrintWriter err = spec.commandLine().getErr();
    ProgressBar bar = noProgress ? null : ProgressBar.onStderr();
    b.progress(bar == null ? ProgressListener.NONE : bar);
    RunResult result;
    if (ragIndex != null && ragSolr != null) {
      throw new ConfigurationException("--rag-index and --collection are alternatives: give one retrieval target");
    }
    if (ragIndex == null && ragSolr == null) {
      result = b.build().run();
    } else {
      Ensure.between(ragK, 1, 100, "--rag-k");
      try (RetrievalTarget.Opened index = ragIndex != null ? RetrievalTarget.local(ragIndex) : RetrievalTarget.solr(ragSolr);
          RagRetrievers rr = RagRetrievers.open(index, ragMode, embedder, rrfK, "--rag-mode")) {
        b.retriever(rr.retriever(), ragK, rr.description() + " index="
            + (ragIndex != null ? ragIndex.toAbsolutePath().normalize().toString() : index.where()) + " (" + index.size() + " chunks)");
        result = b.build().run();
      }
    }
    if (bar != null) {
      bar.close();
    }
    if (result.resumed() > 0) {
      err.printf("resumed: %d items were already recorded, %d scored now%n", result.resumed(), result.scored());
    }
    Bootstrap bootstrap = new Bootstrap(resamples, seed);
    RunSummary summary = RunSummary.of(label(out), result.records(), bootstrap, 0.95);
    ReportFiles files = Reports.writeSummary(out, "summary", List.of(summary), bootstrap);
    files.warnings().forEach(w -> err.println("warning: " + w));
    err.println("wrote " + out.resolve("records.jsonl") + " and " + files.written().size() + " report files");
    err.flush();
    PrintWriter o = spec.commandLine().getOut();
    o.print(summary.table().toMarkdown());
    o.flush();
    return 0;
  }

  /** The PNG charts are drawn off-screen; never open a window (or a macOS dock icon) for them. */
  static void headless() {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** A run's name in tables: its directory name. */
  static String label(Path run) {
    Path name = run.toAbsolutePath().normalize().getFileName();
    return name == null ? run.toString() : name.toString();
  }
}
