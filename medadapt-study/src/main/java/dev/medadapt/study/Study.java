package dev.medadapt.study;

import dev.medadapt.core.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.StorageException;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.model.LocalLanguageModel;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.bench.StandardLayout;
import dev.medadapt.eval.prompt.Prompts;
import dev.medadapt.eval.report.Comparison;
import dev.medadapt.eval.report.ReportFiles;
import dev.medadapt.eval.report.Reports;
import dev.medadapt.eval.report.RunSummary;
import dev.medadapt.eval.run.EvalRunner;
import dev.medadapt.eval.run.ScoringMode;
import dev.medadapt.eval.run.RunResult;
import dev.medadapt.eval.score.AnswerExtractors;
import dev.medadapt.eval.stats.Bootstrap;
import dev.medadapt.rag.chunk.RecursiveCharacterSplitter;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.OnnxEmbedder;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.DenseRetriever;
import dev.medadapt.rag.retrieve.HybridRetriever;
import dev.medadapt.rag.retrieve.Retriever;
import dev.medadapt.train.CptTrainer;
import dev.medadapt.train.SftTrainer;
import dev.medadapt.train.TrainingConfig;
import dev.medadapt.train.TrainingResult;
import dev.medadapt.train.data.SftTemplate;
import dev.medadapt.train.optim.Warmup;
import dev.medadapt.train.peft.AdapterMerger;
import dev.medadapt.train.pipeline.AdaptationPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference study as one resumable job: the base model and four adaptations of it — RAG, SFT (QLoRA), CPT and
 * MSFT (CPT, merge, then SFT) — each scored on the same seeded benchmark questions, with every adaptation compared
 * to the base model by paired tests.
 *
 * <pre>{@code
 * StudyResult r = Study.builder()
 *     .model(Path.of("models/DeepSeek-R1-Distill-Qwen-1.5B"))
 *     .data(Path.of("data"))                       // medqa_us/, medmcqa/, mmlu_medical/, pubmedqa/
 *     .corpus(List.of(Path.of("corpus/textbooks.jsonl")))
 *     .sftData(List.of(Path.of("medical_o1_sft.json")), SftTrainer.Format.MEDICAL_O1)
 *     .outDir(Path.of("runs/study"))
 *     .build().run();
 * }</pre>
 *
 * <p>Layout of {@code outDir}: {@code index/} (BM25 index of the corpus), {@code train/<arm>/} (training runs with
 * checkpoints, metrics and adapters; CPT -> merge -> SFT of the MSFT arm is one {@link AdaptationPipeline} whose
 * merged CPT model also serves the CPT arm), {@code models/<arm>/} (merged checkpoints), {@code runs/<arm>/} (one
 * resumable evaluation run per arm), {@code compare/<arm>-vs-base.*} and {@code study.{md,csv,json,svg,png}}.
 * Every stage skips what a previous, interrupted run already finished. With {@link Builder#retrieval(RetrievalSource)}
 * (an existing index or a SolrCloud collection) the RAG arm and the IR baselines search that instead and
 * {@code index/} is not built.
 */
public final class Study {
  private static final Logger LOG = LoggerFactory.getLogger(Study.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The arms of the study; BASE is always run, as the reference of every comparison. */
  public enum Arm {
    BASE,
    RAG,
    SFT,
    CPT,
    MSFT;

    /** Lower-case name used for folders and table labels. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a label such as {@code rag}. */
    public static Arm parse(String s) {
      for (Arm a : values()) {
        if (a.label().equals(s.trim().toLowerCase(Locale.ROOT))) {
          return a;
        }
      }
      throw new ConfigurationException("unknown study arm \"" + s + "\", expected base, rag, sft, cpt or msft");
    }
  }

  /** How answers are scored. */
  public enum Scoring {
    /**
     * lm-evaluation-harness log-likelihood of each option letter after the question (acc); one forward pass per
     * option, so a CPU can afford hundreds of questions per arm.
     */
    LOGLIKELIHOOD,
    /** Generate an answer with the reference study's prompt and read the letter from it (the reference study's way). */
    GENERATE
  }

  /**
   * The LLM-free baselines: the information-retrieval solver of Clark et al. (2016) ({@link IrBaseline}) over the
   * corpus with each retrieval mode. They answer from the corpus alone, so even with a random model the study
   * compares real methods.
   */
  public enum Baseline {
    /** Lucene BM25 over the chunks. */
    BM25,
    /** all-MiniLM-L6-v2 embeddings (bundled), exact cosine search. */
    DENSE,
    /** Reciprocal rank fusion of BM25 and dense (k = 60). */
    HYBRID;

    /** Name used for folders and table labels: {@code ir-bm25}, {@code ir-dense}, {@code ir-hybrid}. */
    public String label() {
      return "ir-" + name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code ir-bm25}, {@code bm25}, ... */
    public static Baseline parse(String s) {
      String t = s.trim().toLowerCase(Locale.ROOT);
      for (Baseline x : values()) {
        if (x.label().equals(t) || x.name().toLowerCase(Locale.ROOT).equals(t)) {
          return x;
        }
      }
      throw new ConfigurationException("unknown baseline \"" + s + "\", expected ir-bm25, ir-dense or ir-hybrid");
    }
  }

  /** Hears which stage of the study starts; the CLI prints it. Called on the study's thread. */
  @FunctionalInterface
  public interface StageListener {
    StageListener NONE = (number, total, description) -> {};

    /**
     * @param number 1-based number of the stage
     * @param total stages in this run
     * @param description what the stage does, e.g. "score arm rag (bm25 k=1)"
     */
    void onStage(int number, int total, String description);
  }

  /** Reciprocal rank fusion constant of the hybrid baseline: the RRF paper's (Cormack et al. 2009). */
  static final int RRF_K = 60;

  private final Builder b;
  private int stage;
  private int stages;

  private Study(Builder b) {
    this.b = b;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Runs (or resumes) every stage and writes the reports. */
  public StudyResult run() {
    Path out = b.outDir;
    mkdirs(out);
    writeSettings(out.resolve("study-settings.json"));
    List<Question> questions = new ArrayList<>();
    for (String name : b.benchmarks) {
      questions.addAll(StandardLayout.load(b.data, name, b.n, b.seed));
    }
    Map<String, Integer> perBenchmark = new LinkedHashMap<>();
    questions.forEach(q -> perBenchmark.merge(q.benchmark(), 1, Integer::sum));
    LOG.info("study: {} questions {} from {}", questions.size(), perBenchmark, b.data);

    boolean needsIndex = (b.arms.contains(Arm.RAG) || !b.baselines.isEmpty()) && b.source == null;
    boolean dense = b.baselines.contains(Baseline.DENSE) || b.baselines.contains(Baseline.HYBRID);
    stages = (needsIndex ? 1 : 0) + (b.arms.contains(Arm.SFT) ? 1 : 0)
        + (b.arms.contains(Arm.MSFT) || b.arms.contains(Arm.CPT) ? 1 : 0)
        + 1 + (int) b.arms.stream().filter(a -> a != Arm.BASE).count() + b.baselines.size() + 1;

    Path indexDir = null;
    if (needsIndex) {
      stage("index the corpus (" + b.corpus.size() + " file(s), chunks of " + b.chunkSize + " characters"
          + (dense ? ", BM25 + all-MiniLM-L6-v2 vectors" : ", BM25 only") + ")");
      indexDir = index(dense);
    }

    Map<Arm, Path> models = new LinkedHashMap<>();
    models.put(Arm.BASE, b.model);
    if (b.arms.contains(Arm.SFT)) {
      stage("train sft (" + trainingNote() + ") and merge it");
      models.put(Arm.SFT, sft(b.model, Arm.SFT));
    }
    if (b.arms.contains(Arm.MSFT)) {
      stage("train cpt, merge, then sft of the merged model (msft" + (b.arms.contains(Arm.CPT) ? "; its merged cpt "
          + "model is the cpt arm" : "") + "; " + trainingNote() + ")");
      Path cpt = msft(); // trains CPT once: its merged model also serves the CPT arm
      if (b.arms.contains(Arm.CPT)) {
        models.put(Arm.CPT, cpt);
      }
      models.put(Arm.MSFT, b.outDir.resolve("models").resolve(Arm.MSFT.label()));
    } else if (b.arms.contains(Arm.CPT)) {
      stage("train cpt (" + trainingNote() + ") and merge it");
      models.put(Arm.CPT, cpt(b.model));
    }

    Bootstrap bootstrap = new Bootstrap(b.bootstrapResamples, b.seed);
    Map<String, RunResult> results = new LinkedHashMap<>();
    for (Arm arm : Arm.values()) {
      if (arm == Arm.BASE || b.arms.contains(arm)) {
        Path modelDir = arm == Arm.RAG ? b.model : models.get(arm);
        stage("score arm " + arm.label() + " (" + b.scoring.name().toLowerCase(Locale.ROOT)
            + (arm == Arm.RAG ? ", bm25 k=" + b.ragK + (b.source == null ? "" : " from " + b.source.describe()) : "")
            + ", " + questions.size() + " questions)");
        results.put(arm.label(), evaluate(arm, modelDir, questions, indexDir));
      }
    }
    Map<Baseline, String> descriptions = new LinkedHashMap<>();
    if (!b.baselines.isEmpty()) {
      try (IndexSource local = b.source == null ? new IndexSource(indexDir, dense) : null) {
        RetrievalSource source = b.source == null ? local : b.source;
        for (Baseline x : Baseline.values()) {
          if (b.baselines.contains(x)) {
            Retriever r = retriever(x, source);
            String d = describe(x, source);
            descriptions.put(x, d);
            stage("answer with " + x.label() + " (" + d + ", " + questions.size() + " questions)");
            results.put(x.label(), IrBaseline.run(IrBaseline.scorer(r), d, questions,
                out.resolve("runs").resolve(x.label()), b.progress));
          }
        }
      }
    }

    stage("statistics and report");
    Map<String, RunSummary> summaries = new LinkedHashMap<>();
    results.forEach((label, r) -> summaries.put(label, RunSummary.of(label, r.records(), bootstrap, 0.95)));
    List<Comparison> comparisons = new ArrayList<>();
    List<String> details = new ArrayList<>(List.of("accuracy.md"));
    Path compareDir = mkdirs(out.resolve("compare"));
    List<String[]> pairs = new ArrayList<>();
    for (Arm arm : Arm.values()) {
      if (arm != Arm.BASE && results.containsKey(arm.label())) {
        pairs.add(new String[] {arm.label(), Arm.BASE.label()});
      }
    }
    List<Baseline> ran = List.copyOf(descriptions.keySet());
    for (int i = 0; i < ran.size(); i++) {
      for (int j = 0; j < i; j++) {
        pairs.add(new String[] {ran.get(i).label(), ran.get(j).label()});
      }
    }
    for (String[] p : pairs) {
      Comparison c = Comparison.builder()
          .a(p[0], results.get(p[0]).records())
          .b(p[1], results.get(p[1]).records())
          .bootstrap(bootstrap)
          .alpha(b.alpha)
          .build();
      comparisons.add(c);
      String name = p[0] + "-vs-" + p[1];
      Reports.writeComparison(compareDir, name, c, summaries.get(p[0]), summaries.get(p[1]), bootstrap);
      details.add("compare/" + name + ".md");
    }
    ReportFiles files = Reports.writeSummary(out, "accuracy", List.copyOf(summaries.values()), bootstrap);
    files.warnings().forEach(w -> LOG.warn("{}", w));
    List<String> charts = files.written().stream()
        .map(f -> f.getFileName().toString())
        .filter(f -> f.endsWith(".svg") || f.endsWith(".png"))
        .toList();

    List<StudyReport.Method> methods = new ArrayList<>();
    summaries.forEach((label, s) -> methods.add(new StudyReport.Method(s, kind(label))));
    StudyReport report = new StudyReport(methods, comparisons,
        provenance(perBenchmark, indexDir, descriptions, results), charts, details, 0.95, bootstrap);
    Path md = report.write(out);
    return new StudyResult(out, List.copyOf(summaries.values()), comparisons, md);
  }

  private void stage(String description) {
    stage++;
    LOG.info("study [{}/{}]: {}", stage, stages, description);
    b.stages.onStage(stage, stages, description);
  }

  private String trainingNote() {
    return (b.trainSteps > 0 ? b.trainSteps + " steps" : "the recipe's full epoch")
        + (Double.isNaN(b.learningRate) ? "" : ", lr " + b.learningRate) + ", max length " + b.maxLength;
  }

  /** What a row of the grid is. */
  private String kind(String label) {
    for (Baseline x : Baseline.values()) {
      if (x.label().equals(label)) {
        return "IR solver (Clark et al. 2016), no LLM";
      }
    }
    String prefix = b.randomModel ? "random model, pipeline demonstration: " : "";
    return prefix + switch (Arm.parse(label)) {
      case BASE -> "base model";
      case RAG -> "base model + BM25 retrieval (k=" + b.ragK + ")";
      case SFT -> "SFT " + (b.sftQuantization == Quantization.NF4 ? "(QLoRA)" : "(LoRA)");
      case CPT -> "CPT (LoRA), merged";
      case MSFT -> "CPT, merge, then SFT";
    };
  }

  private Map<String, String> provenance(Map<String, Integer> perBenchmark, Path indexDir,
      Map<Baseline, String> descriptions, Map<String, RunResult> results) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("model", b.model.toAbsolutePath().normalize() + (b.modelDescription == null ? "" : " — " + b.modelDescription));
    m.put("model weights", b.randomModel
        ? "RANDOM (untrained): the base/rag/sft/cpt/msft rows demonstrate the adaptation pipeline and are at chance"
            + " level; they say nothing about medicine"
        : "as given (not checked for randomness)");
    m.put("data", b.data.toAbsolutePath().normalize().toString());
    StringBuilder n = new StringBuilder();
    perBenchmark.forEach((k, v) -> n.append(n.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
    m.put("questions per benchmark", n + " (asked for " + (b.n == 0 ? "all" : String.valueOf(b.n))
        + "; seeded shuffle, seed " + b.seed + "; a benchmark with fewer questions contributes all it has)");
    m.put("scoring of the LLM arms", b.scoring == Scoring.LOGLIKELIHOOD
        ? "log-likelihood of each option letter (lm-evaluation-harness acc)"
        : "generation with the " + b.promptFormat + " prompt, max " + b.maxNewTokens + " new tokens");
    if (b.arms.stream().anyMatch(a -> a == Arm.SFT || a == Arm.CPT || a == Arm.MSFT)) {
      m.put("training", trainingNote() + "; SFT data " + b.sftData.stream().map(Path::toString).toList()
          + " (" + b.sftFormat.name().toLowerCase(Locale.ROOT) + "), SFT base " + b.sftQuantization
          + "; details in train/");
    }
    if (indexDir != null) {
      m.put("corpus", b.corpus.stream().map(p -> p.toAbsolutePath().normalize().toString()).toList()
          + ", split into chunks of " + b.chunkSize + " characters (overlap " + overlap() + "), index " + indexDir);
    }
    if (b.source != null && (b.arms.contains(Arm.RAG) || !descriptions.isEmpty())) {
      m.put("retrieval", b.source.describe() + " (given to the study; the corpus files are not indexed by it)");
    }
    if (b.arms.contains(Arm.RAG)) {
      m.put("rag arm", "BM25, question text as the query, k=" + b.ragK + " snippets (MedRAG format)");
    }
    descriptions.forEach((x, d) -> {
      long ties = results.get(x.label()).records().stream().filter(IrBaseline::tied).count();
      m.put(x.label(), d + "; " + ties + " of " + results.get(x.label()).records().size()
          + " answers decided by option order (tie or no passing hit: first option)");
    });
    m.put("statistics", "Wilson score intervals at 95%; paired bootstrap " + b.bootstrapResamples
        + " resamples, seed " + b.seed + "; exact McNemar; Holm over benchmarks per comparison, alpha " + b.alpha);
    m.put("settings file", "study-settings.json");
    return m;
  }

  private int overlap() {
    return b.chunkSize / 5;
  }

  private static Retriever retriever(Baseline x, RetrievalSource source) {
    return switch (x) {
      case BM25 -> source.bm25();
      case DENSE -> source.dense();
      case HYBRID -> HybridRetriever.builder().add(source.bm25(), 1).add(source.dense(), 1).rrfK(RRF_K).build();
    };
  }

  private static String describe(Baseline x, RetrievalSource source) {
    String over = " over " + source.describe() + ", best of " + IrBaseline.HITS
        + " hits per option passing the overlap filter";
    return switch (x) {
      case BM25 -> "bm25" + over;
      case DENSE -> "dense (" + source.embedderDescription() + ")" + over;
      case HYBRID -> "hybrid rrf-k=" + RRF_K + " (bm25 + " + source.embedderDescription() + ")" + over;
    };
  }

  /** The index the study built, with the bundled all-MiniLM-L6-v2 as the query embedder when it has vectors. */
  private static final class IndexSource implements RetrievalSource, AutoCloseable {
    private final RagIndex index;
    private final Embedder embedder;

    IndexSource(Path dir, boolean dense) {
      this.index = RagIndex.open(dir);
      Embedder e = null;
      try {
        e = dense ? OnnxEmbedder.allMiniLmL6V2() : null;
      } catch (RuntimeException ex) {
        index.close();
        throw ex;
      }
      this.embedder = e;
    }

    @Override
    public String describe() {
      return index.size() + " chunks";
    }

    @Override
    public Retriever bm25() {
      return Bm25Retriever.builder(index).build();
    }

    @Override
    public Retriever dense() {
      if (embedder == null) {
        throw new ConfigurationException("the study's index has no query embedder open (no dense baseline asked for)");
      }
      return DenseRetriever.builder(index, embedder).build();
    }

    @Override
    public String embedderDescription() {
      return index.metadata().describeEmbedder();
    }

    @Override
    public void close() {
      try (RagIndex i = index; Embedder e = embedder) {
        // closes both
      }
    }
  }

  /**
   * Builds (or finishes) the index of the corpus: BM25, plus all-MiniLM-L6-v2 vectors when a dense or hybrid
   * baseline runs. Passages longer than {@code chunkSize} characters are split with the recursive character splitter
   * (overlap chunkSize/5; MedRAG's textbook setting is 1,000/200), so that k snippets stay within a small model's
   * context.
   */
  private Path index(boolean dense) {
    Path dir = b.outDir.resolve("index");
    RecursiveCharacterSplitter splitter =
        RecursiveCharacterSplitter.builder().chunkSize(b.chunkSize).chunkOverlap(overlap()).build();
    try (Embedder embedder = dense ? OnnxEmbedder.allMiniLmL6V2() : null) {
      RagIndexWriter.Builder wb = RagIndexWriter.builder(dir).progress(b.progress);
      if (dense) {
        wb.embedder(embedder);
      } else {
        wb.bm25Only();
      }
      try (RagIndexWriter w = wb.build();
          ChunkSource source = Corpora.splitLong(Corpora.open(b.corpus, BadRowPolicy.FAIL), splitter)) {
        w.index(source, RagIndexWriter.sourceKey(b.corpus) + "split=" + b.chunkSize + "/" + overlap());
      }
    }
    return dir;
  }

  private Path cpt(Path base) {
    Path merged = b.outDir.resolve("models").resolve(Arm.CPT.label());
    if (Files.isRegularFile(merged.resolve("config.json"))) {
      LOG.info("study: CPT model already merged at {}", merged);
      return merged;
    }
    TrainingResult r = cptStage()
        .model(base)
        .outputDir(b.outDir.resolve("train").resolve(Arm.CPT.label()))
        .build()
        .run();
    LOG.info("study: CPT trained {} steps, final loss {}", r.steps(), r.finalLoss());
    return merge(base, r, merged);
  }

  /**
   * The MSFT arm: CPT, merge, then SFT of the merged model, as one {@link AdaptationPipeline} laid out in the
   * study's folders ({@code train/cpt}, {@code models/cpt}, {@code train/msft}; summary in
   * {@code train/pipeline.json}); the SFT adapter is then merged into {@code models/msft}.
   *
   * @return the merged CPT model
   */
  private Path msft() {
    Path models = b.outDir.resolve("models");
    Path cptMerged = models.resolve(Arm.CPT.label());
    Path merged = models.resolve(Arm.MSFT.label());
    if (Files.isRegularFile(merged.resolve("config.json")) && Files.isRegularFile(cptMerged.resolve("config.json"))) {
      LOG.info("study: CPT and MSFT models already merged at {} and {}", cptMerged, merged);
      return cptMerged;
    }
    Path train = b.outDir.resolve("train");
    AdaptationPipeline.Result r = AdaptationPipeline.builder()
        .model(b.model)
        .outputDir(train)
        .cptDir(train.resolve(Arm.CPT.label()))
        .mergedDir(cptMerged)
        .sftDir(train.resolve(Arm.MSFT.label()))
        .cpt(cptStage())
        .sft(sftStage())
        .build()
        .run();
    LOG.info("study: msft trained {} CPT + {} SFT steps, final SFT loss {}", r.cpt().steps(), r.sft().steps(),
        r.sft().finalLoss());
    if (!Files.isRegularFile(merged.resolve("config.json"))) {
      merge(r.mergedCptModel(), r.sft(), merged);
    }
    return r.mergedCptModel();
  }

  /** The CPT recipe with the study's settings; model and output folder are set by the caller. */
  private CptTrainer.Builder cptStage() {
    Ensure.notEmpty(b.corpus, "corpus (needed by the CPT and MSFT arms)");
    return CptTrainer.builder()
        .corpus(b.corpus)
        .blockLength(Math.min(b.maxLength, 1024))
        .training(adjusted(CptTrainer.referenceTraining()))
        .progress(b.progress);
  }

  /** The SFT recipe with the study's settings; model and output folder are set by the caller. */
  private SftTrainer.Builder sftStage() {
    SftTrainer.Builder t = SftTrainer.builder()
        .data(b.sftData)
        .format(b.sftFormat)
        .maxLength(b.maxLength)
        .quantization(b.sftQuantization)
        .training(adjusted(SftTrainer.referenceTraining()))
        .progress(b.progress);
    if (b.sftTemplate != null) {
      t.template(b.sftTemplate);
    }
    if (!b.sftFieldMapping.isEmpty()) {
      t.fieldMapping(b.sftFieldMapping);
    }
    return t;
  }

  private Path sft(Path base, Arm arm) {
    Path merged = b.outDir.resolve("models").resolve(arm.label());
    if (Files.isRegularFile(merged.resolve("config.json"))) {
      LOG.info("study: {} model already merged at {}", arm.label(), merged);
      return merged;
    }
    if (b.sftData.isEmpty()) {
      throw new ConfigurationException("sftData must be set for the " + arm.label() + " arm");
    }
    TrainingResult r = sftStage()
        .model(base)
        .outputDir(b.outDir.resolve("train").resolve(arm.label()))
        .build()
        .run();
    LOG.info("study: {} trained {} steps, final loss {}", arm.label(), r.steps(), r.finalLoss());
    return merge(base, r, merged);
  }

  /**
   * The recipe, with {@code trainSteps} optimizer steps when set (warmup then becomes 10% of the steps: a 300-step
   * warmup would never finish in a shortened run) and the learning rate replaced when set (the embedding group keeps
   * its ratio to the main group); everything else stays the reference study's.
   */
  private TrainingConfig adjusted(TrainingConfig ref) {
    long steps = b.trainSteps > 0 ? b.trainSteps : ref.maxSteps();
    Warmup warmup = b.trainSteps > 0 ? Warmup.ratio(0.1) : ref.warmup();
    int every = b.trainSteps > 0 ? (int) Math.max(1, Math.min(Integer.MAX_VALUE, b.trainSteps / 4)) : -1;
    double lr = Double.isNaN(b.learningRate) ? ref.learningRate() : b.learningRate;
    double embLr = Double.isNaN(ref.embeddingLearningRate())
        ? Double.NaN
        : ref.embeddingLearningRate() * lr / ref.learningRate();
    return new TrainingConfig(ref.seed(), ref.epochs(), steps, ref.microBatchSize(), ref.gradientAccumulation(),
        lr, embLr, ref.weightDecay(), ref.schedule(), warmup, ref.maxGradNorm(),
        every < 0 || ref.evalEvery() == 0 ? ref.evalEvery() : every,
        every < 0 ? ref.checkpointEvery() : every, ref.keepCheckpoints());
  }

  /** Merges the run's adapter into the (16/32-bit) base; written to a temporary folder and renamed when complete. */
  private static Path merge(Path base, TrainingResult r, Path merged) {
    AdapterMerger.merge(base, r.adapterDir(), merged, null);
    return merged;
  }

  private RunResult evaluate(Arm arm, Path modelDir, List<Question> questions, Path indexDir) {
    Path runDir = b.outDir.resolve("runs").resolve(arm.label());
    try (LanguageModel lm = LocalLanguageModel.builder().modelPath(modelDir).build()) {
      EvalRunner.Builder e = EvalRunner.builder()
          .model(lm)
          .questions(questions)
          .outDir(runDir)
          // the questions are already the seeded subset (the IR baselines answer the same ones); drawing it again
          // with the same seed keeps the same questions and records seed and n in each run's metadata
          .subset(b.seed, b.n)
          .progress(b.progress)
          .options(GenerationOptions.builder().maxNewTokens(b.maxNewTokens).seed(b.seed).build());
      if (b.scoring == Scoring.GENERATE) {
        e.scoring(ScoringMode.GENERATE).promptFormat(Prompts.forName(b.promptFormat))
            .extractor(AnswerExtractors.forName("reasoning")).extractorName("reasoning").batchSize(b.generationBatchSize);
      } else {
        e.scoring(ScoringMode.LOGLIKELIHOOD);
      }
      if (arm != Arm.RAG) {
        return e.build().run();
      }
      if (b.source != null) {
        e.retriever(b.source.bm25(), b.ragK, "bm25 over " + b.source.describe());
        return e.build().run();
      }
      try (RagIndex index = RagIndex.open(indexDir)) {
        e.retriever(Bm25Retriever.builder(index).build(), b.ragK, "bm25 over " + index.size() + " chunks");
        return e.build().run();
      }
    }
  }

  private void writeSettings(Path file) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", b.model.toString());
    m.put("data", b.data.toString());
    m.put("benchmarks", b.benchmarks);
    m.put("n", b.n);
    m.put("seed", b.seed);
    m.put("arms", b.arms.stream().map(Arm::label).toList());
    m.put("scoring", b.scoring.name().toLowerCase(Locale.ROOT));
    m.put("prompt_format", b.promptFormat);
    m.put("corpus", b.corpus.stream().map(Path::toString).toList());
    m.put("sft_data", b.sftData.stream().map(Path::toString).toList());
    m.put("sft_format", b.sftFormat.name());
    m.put("sft_quantization", b.sftQuantization.name());
    m.put("train_steps", b.trainSteps);
    m.put("learning_rate", Double.isNaN(b.learningRate) ? "recipe" : b.learningRate);
    m.put("max_length", b.maxLength);
    m.put("rag_k", b.ragK);
    m.put("baselines", b.baselines.stream().map(Baseline::label).toList());
    m.put("chunk_size", b.chunkSize);
    m.put("retrieval", b.source == null ? "index/" : b.source.describe());
    m.put("model_description", b.modelDescription);
    m.put("random_model", b.randomModel);
    m.put("bootstrap_resamples", b.bootstrapResamples);
    m.put("alpha", b.alpha);
    AtomicFiles.writeJson(file, JSON, m);
  }

  private static Path mkdirs(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StorageException("cannot create", dir, e);
    }
  }

  /**
   * Builder. Required: {@code model}, {@code data}, {@code outDir}; {@code corpus} for the RAG, CPT and MSFT arms;
   * {@code sftData} for SFT and MSFT.
   */
  public static final class Builder {
    private Path model;
    private Path data;
    private Path outDir;
    private List<String> benchmarks = List.of("medqa", "medmcqa", "mmlu", "pubmedqa");
    private int n = 200;
    private long seed = 4242;
    private Set<Arm> arms = EnumSet.allOf(Arm.class);
    private Scoring scoring = Scoring.LOGLIKELIHOOD;
    private String promptFormat = "seed";
    private int maxNewTokens = 1024;
    private int generationBatchSize = 1;
    private List<Path> corpus = List.of();
    private List<Path> sftData = List.of();
    private SftTrainer.Format sftFormat = SftTrainer.Format.MEDICAL_O1;
    private SftTemplate sftTemplate;
    private Map<String, String> sftFieldMapping = Map.of();
    private Quantization sftQuantization = Quantization.NF4;
    private long trainSteps = -1;
    private double learningRate = Double.NaN;
    private int maxLength = 4096;
    private int ragK = 3;
    private double alpha = 0.05;
    private int bootstrapResamples = 10_000;
    private ProgressListener progress = ProgressListener.NONE;
    private StageListener stages = StageListener.NONE;
    private Set<Baseline> baselines = EnumSet.allOf(Baseline.class);
    private int chunkSize = 1000;
    private boolean randomModel;
    private String modelDescription;
    private RetrievalSource source;

    private Builder() {}

    /**
     * Retrieve from this source (e.g. a SolrCloud collection) in the RAG arm and the IR baselines instead of
     * indexing the corpus into {@code outDir/index}; the corpus is then needed only by the CPT and MSFT arms. The
     * dense and hybrid baselines need a source with vectors. The caller closes it after {@link Study#run()}.
     */
    public Builder retrieval(RetrievalSource source) {
      this.source = source;
      return this;
    }

    /** Base model folder (Hugging Face Qwen2 checkpoint, 16/32-bit safetensors). */
    public Builder model(Path model) {
      this.model = model;
      return this;
    }

    /** Data folder in the standard layout ({@link StandardLayout}). */
    public Builder data(Path data) {
      this.data = data;
      return this;
    }

    public Builder outDir(Path outDir) {
      this.outDir = outDir;
      return this;
    }

    /** Benchmark names ({@code StandardLayout.names()}); default medqa, medmcqa, mmlu, pubmedqa. */
    public Builder benchmarks(List<String> benchmarks) {
      this.benchmarks = List.copyOf(benchmarks);
      return this;
    }

    /** Questions per benchmark (seeded shuffle), 0 for all; default 200 as in the reference study. */
    public Builder n(int n) {
      this.n = n;
      return this;
    }

    /** Seed of question subsets, training and bootstrap; default 4242 as in the reference study. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Which adaptations to run besides the base model; default all. */
    public Builder arms(Set<Arm> arms) {
      this.arms = arms.isEmpty() ? EnumSet.noneOf(Arm.class) : EnumSet.copyOf(arms);
      return this;
    }

    public Builder scoring(Scoring scoring) {
      this.scoring = scoring;
      return this;
    }

    /** Prompt format of generative scoring: seed (the reference study's), medrag or lmeval. */
    public Builder promptFormat(String promptFormat) {
      this.promptFormat = promptFormat;
      return this;
    }

    /** Questions decoded together by the local model in generative scoring (default 1; see EvalRunner.Builder#batchSize). */
    public Builder generationBatchSize(int generationBatchSize) {
      this.generationBatchSize = Ensure.between(generationBatchSize, 1, 4096, "generationBatchSize");
      return this;
    }

    public Builder maxNewTokens(int maxNewTokens) {
      this.maxNewTokens = maxNewTokens;
      return this;
    }

    /** MedRAG-format JSONL corpus files for RAG and CPT. */
    public Builder corpus(List<Path> corpus) {
      this.corpus = List.copyOf(corpus);
      return this;
    }

    /** SFT data files and their format. */
    public Builder sftData(List<Path> files, SftTrainer.Format format) {
      this.sftData = List.copyOf(files);
      this.sftFormat = format;
      return this;
    }

    /** Template and field mapping of {@link SftTrainer.Format#INSTRUCTION} data. */
    public Builder sftTemplate(SftTemplate template, Map<String, String> fieldMapping) {
      this.sftTemplate = template;
      this.sftFieldMapping = Map.copyOf(fieldMapping);
      return this;
    }

    /** Frozen base of SFT: NF4 (QLoRA, the reference study's) or NONE; INT8 fails at {@code build()}. */
    public Builder sftQuantization(Quantization q) {
      this.sftQuantization = q;
      return this;
    }

    /** Optimizer steps of each training run; -1 (default) trains the recipe's full epoch. */
    public Builder trainSteps(long trainSteps) {
      this.trainSteps = trainSteps;
      return this;
    }

    /** Learning rate of every training run instead of the recipe's (1e-4 for SFT, 1e-5 for CPT); NaN keeps them. */
    public Builder learningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    /** Maximum training sequence length (SFT truncation, CPT block length up to 1024); default 4096. */
    public Builder maxLength(int maxLength) {
      this.maxLength = maxLength;
      return this;
    }

    /** Snippets retrieved per question in the RAG arm; default 3 as in the reference study. */
    public Builder ragK(int ragK) {
      this.ragK = ragK;
      return this;
    }

    /** Family-wise significance level of the Holm-corrected comparisons; default 0.05. */
    public Builder alpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    public Builder bootstrapResamples(int resamples) {
      this.bootstrapResamples = resamples;
      return this;
    }

    public Builder progress(ProgressListener progress) {
      this.progress = progress;
      return this;
    }

    /** Hears each stage as it starts (default: none). */
    public Builder stages(StageListener stages) {
      this.stages = stages;
      return this;
    }

    /** Which LLM-free IR baselines to run on the corpus and compare pairwise; default all three. */
    public Builder baselines(Set<Baseline> baselines) {
      this.baselines = baselines.isEmpty() ? EnumSet.noneOf(Baseline.class) : EnumSet.copyOf(baselines);
      return this;
    }

    /**
     * Corpus passages longer than this many characters are split (overlap a fifth of it); default 1,000 with
     * overlap 200, MedRAG's textbook setting.
     */
    public Builder chunkSize(int chunkSize) {
      this.chunkSize = chunkSize;
      return this;
    }

    /**
     * What the model is, for the report; {@code random} marks its weights as untrained, so the report labels the
     * LLM arms as a demonstration of the pipeline, not a result.
     */
    public Builder modelProvenance(String description, boolean random) {
      this.modelDescription = description;
      this.randomModel = random;
      return this;
    }

    public Study build() {
      Ensure.notNull(model, "model");
      Ensure.notNull(data, "data");
      Ensure.notNull(outDir, "outDir");
      Ensure.notEmpty(benchmarks, "benchmarks");
      Ensure.between(n, 0, Integer.MAX_VALUE, "n");
      Ensure.notNull(scoring, "scoring");
      Ensure.positive(maxNewTokens, "maxNewTokens");
      Ensure.between(ragK, 1, 100, "ragK");
      Ensure.between(chunkSize, 100, 100_000, "chunkSize");
      Ensure.notNull(stages, "stages");
      Ensure.notNull(sftQuantization, "sftQuantization");
      if (sftQuantization == Quantization.INT8) {
        throw new ConfigurationException("sftQuantization must be NF4 or NONE (INT8 is an inference option)");
      }
      Ensure.notNull(progress, "progress");
      Ensure.between(maxLength, 16, 1 << 20, "maxLength");
      Ensure.between(bootstrapResamples, 100, 10_000_000, "bootstrapResamples");
      if (!(alpha > 0 && alpha < 1)) {
        throw new ConfigurationException("alpha must be in (0, 1), was " + alpha);
      }
      if (!Double.isNaN(learningRate)) {
        Ensure.between(learningRate, 1e-12, 1.0, "learningRate");
      }
      if (trainSteps == 0 || trainSteps < -1) {
        throw new ConfigurationException("trainSteps must be -1 (full recipe) or >= 1, was " + trainSteps);
      }
      boolean needsCorpus = (arms.contains(Arm.RAG) && source == null) || arms.contains(Arm.CPT) || arms.contains(Arm.MSFT);
      if (needsCorpus && corpus.isEmpty()) {
        throw new ConfigurationException("corpus must be set for the " + (source == null ? "rag, " : "") + "cpt and msft arms");
      }
      if (!baselines.isEmpty() && corpus.isEmpty() && source == null) {
        throw new ConfigurationException("corpus (or a retrieval source) must be set for the IR baselines " + baselines
            + " (or set baselines to none)");
      }
      boolean denseBaseline = baselines.contains(Baseline.DENSE) || baselines.contains(Baseline.HYBRID);
      if (source != null && denseBaseline && source.embedderDescription() == null) {
        throw new ConfigurationException("the dense and hybrid baselines need vectors, but " + source.describe()
            + " is BM25 only; set baselines to ir-bm25 (or none)");
      }
      if ((arms.contains(Arm.SFT) || arms.contains(Arm.MSFT)) && sftData.isEmpty()) {
        throw new ConfigurationException("sftData must be set for the sft and msft arms");
      }
      for (Path p : List.of(model, data)) {
        if (!Files.isDirectory(p)) {
          throw new ConfigurationException(p + " is not a folder");
        }
      }
      for (Path p : corpus) {
        if (!Files.isRegularFile(p)) {
          throw new ConfigurationException("corpus file " + p + " does not exist");
        }
      }
      for (Path p : sftData) {
        if (!Files.isRegularFile(p)) {
          throw new ConfigurationException("SFT data file " + p + " does not exist");
        }
      }
      return new Study(this);
    }
  }
}
