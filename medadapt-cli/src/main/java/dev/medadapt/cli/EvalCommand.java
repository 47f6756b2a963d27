package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.openai.OpenAiLanguageModel;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.eval.bench.BenchmarkLoaders;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.bench.StandardLayout;
import dev.medadapt.eval.bench.Subsets;
import dev.medadapt.eval.prompt.MedRagPromptFormat;
import dev.medadapt.eval.prompt.Prompts;
import dev.medadapt.eval.report.ReportFiles;
import dev.medadapt.eval.report.Reports;
import dev.medadapt.eval.report.RunSummary;
import dev.medadapt.eval.run.EvalRunner;
import dev.medadapt.eval.run.RunResult;
import dev.medadapt.eval.score.AnswerExtractors;
import dev.medadapt.eval.score.LoglikelihoodScorer;
import dev.medadapt.eval.stats.Bootstrap;
import dev.medadapt.rag.retrieve.Retriever;
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
 *     --data ../shared/data --n 200 --seed 4242 --format seed --out runs/base
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

  @ArgGroup(exclusive = true, multiplicity = "1")
  ModelSource source;

  static final class ModelSource {
    @Option(names = "--model", paramLabel = "DIR", description = "local Hugging Face model folder (Qwen2 family)")
    Path modelDir;

    @Option(names = "--openai-url", paramLabel = "URL", description = "OpenAI-compatible server, e.g. http://localhost:8000/v1")
    String openAiUrl;
  }

  @picocli.CommandLine.Mixin LocalModelOptions local = new LocalModelOptions();

  @Option(names = "--openai-model", paramLabel = "NAME", description = "model name sent to the OpenAI-compatible server")
  String openAiModel;

  @Option(names = "--api-key-env", paramLabel = "VAR",
      description = "environment variable holding the API key for --openai-url (none by default)")
  String apiKeyEnv;

  @Option(names = "--benchmarks", required = true, split = ",", paramLabel = "NAME[=PATH]",
      description = "benchmarks, comma-separated: medqa, medmcqa, mmlu, pubmedqa, pubmedqa:context, mirage:<set>, ...; "
          + "NAME=PATH reads that file or folder instead of the standard location under --data")
  List<String> benchmarks;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:MEDADAPT_DATA:-../shared/data}",
      description = "data folder with the standard layout (medqa_us/, medmcqa/, mmlu_medical/, pubmedqa/, mirage/); "
          + "default: $MEDADAPT_DATA or ${DEFAULT-VALUE}")
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
    List<Question> questions = loadQuestions();
    try (LanguageModel model = openModel()) {
      return run(model, questions);
    }
  }

  /** Opens the model named on the command line. */
  private LanguageModel openModel() {
    if (source.modelDir != null) {
      return local.builder(source.modelDir).build();
    }
    if (openAiModel == null || openAiModel.isBlank()) {
      throw new ConfigurationException("--openai-model is required with --openai-url (the model name the server serves)");
    }
    OpenAiLanguageModel.Builder b =
        OpenAiLanguageModel.builder()
            .baseUrl(source.openAiUrl)
            .model(openAiModel)
            .seed(seed)
            .loglikelihoodViaEcho(mode.startsWith("loglikelihood"));
    if (apiKeyEnv != null) {
      b.apiKeyEnv(apiKeyEnv);
    }
    return b.build();
  }

  /** Loads each benchmark and draws its seeded subset. */
  List<Question> loadQuestions() {
    List<Question> all = new ArrayList<>();
    for (String spec : benchmarks) {
      String name = spec;
      Path path;
      int eq = spec.indexOf('=');
      if (eq >= 0) {
        name = spec.substring(0, eq);
        path = Path.of(spec.substring(eq + 1));
      } else {
        path = StandardLayout.locate(data, name);
      }
      if (!Files.exists(path)) {
        throw new ConfigurationException("benchmark " + name + ": " + path + " does not exist");
      }
      List<Question> qs = BenchmarkLoaders.forName(name).load(path);
      int take = n == 0 ? qs.size() : n;
      all.addAll(stratified ? Subsets.stratified(qs, seed, take) : Subsets.shuffled(qs, seed, take));
    }
    return all;
  }

  /** Runs the evaluation with an open model and writes the summary (used by tests with a fake model). */
  int run(LanguageModel model, List<Question> questions) {
    EvalRunner.Builder b =
        EvalRunner.builder()
            .model(model)
            .questions(questions)
            .outDir(out)
            .seed(seed)
            .subsetSize(n == 0 ? -1 : n)
            .parallelism(parallel)
            .batchSize(batchSize)
            .options(GenerationOptions.builder().maxNewTokens(maxNewTokens).temperature(temperature).seed(seed).build());
    switch (mode) {
      case "generate" -> b.promptFormat(Prompts.forName(format)).extractor(AnswerExtractors.forName(extractor)).extractorName(extractor);
      case "loglikelihood", "loglikelihood-norm" -> {
        if (!format.equals("lmeval") && !format.equals("seed")) {
          throw new ConfigurationException("--mode " + mode + " uses the lmeval prompt format, not --format " + format);
        }
        LoglikelihoodScorer.Choices choices = switch (llChoices) {
          case "letters" -> LoglikelihoodScorer.Choices.LETTERS;
          case "texts" -> LoglikelihoodScorer.Choices.OPTION_TEXTS;
          default -> throw new ConfigurationException("--ll-choices must be letters or texts, was " + llChoices);
        };
        b.loglikelihood(new LoglikelihoodScorer(choices, 1), mode.endsWith("-norm"));
      }
      default -> throw new ConfigurationException(
          "--mode must be generate, loglikelihood or loglikelihood-norm, was " + mode);
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
        Retriever retriever = rr.retriever();
        // MedRAG retrieves with the question text alone and renders hits as "(Title: t) content"
        b.retrieval(
            q -> retriever.retrieve(q.question(), ragK).stream()
                .map(h -> MedRagPromptFormat.snippet(h.title(), h.content()))
                .toList(),
            rr.description() + " k=" + ragK + " index=" + (ragIndex != null ? ragIndex.toAbsolutePath().normalize().toString() : index.where())
                + " (" + index.size() + " chunks)");
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
