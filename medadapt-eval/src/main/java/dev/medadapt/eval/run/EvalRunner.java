package dev.medadapt.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.MedAdaptException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.bench.Subsets;
import dev.medadapt.eval.prompt.LmEvalPromptFormat;
import dev.medadapt.eval.prompt.MedRagPromptFormat;
import dev.medadapt.eval.prompt.PromptFormat;
import dev.medadapt.eval.score.AnswerExtractor;
import dev.medadapt.eval.score.Extraction;
import dev.medadapt.eval.score.MultipleChoiceScorer;
import dev.medadapt.rag.retrieve.Retriever;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks a model every question, reads its answers and records one {@link ItemRecord} per item in
 * {@code outDir/records.jsonl}, with the run's provenance in {@code outDir/run.json}.
 *
 * <p><b>Resumable.</b> Each record is forced to disk before the next question is asked. Started
 * again on the same directory, the runner reads the records back, drops a torn last line left by a
 * kill, skips every question already recorded with the same prompt hash and asks only the rest; the
 * totals equal those of an uninterrupted run. Restarting with different settings (model, format,
 * seed, benchmarks, decoding) or a changed prompt for a recorded question is refused with a
 * {@link ConfigurationException} instead of mixing two runs in one file. A model failure propagates
 * after the items before it are safely recorded.
 *
 * <p><b>One run, one owner.</b> The runner draws the seeded subset ({@link Builder#subset}), holds the scoring mode
 * ({@link Builder#scoring}) and the optional retrieval step ({@link Builder#retriever}); callers hand it the whole
 * benchmark and read the records back.
 *
 * <p><b>Modes.</b> By default the model generates and an {@link AnswerExtractor} reads the letter
 * (UNPARSED answers count wrong). With {@link ScoringMode#LOGLIKELIHOOD} each option is scored by
 * log-likelihood instead (lm-evaluation-harness {@code acc}; {@code acc_norm} with {@link ScoringMode#LOGLIKELIHOOD_NORM}).
 *
 * <pre>{@code
 * RunResult r = EvalRunner.builder()
 *     .model(lm).promptFormat(format).extractor(extractor)
 *     .options(GenerationOptions.greedy(512))
 *     .questions(questions).subset(4242, 200)
 *     .outDir(Path.of("runs/base"))
 *     .progress(bar)
 *     .build()
 *     .run();
 * }</pre>
 */
public final class EvalRunner {
  private static final Logger LOG = LoggerFactory.getLogger(EvalRunner.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Metadata fields that may differ between the first start and a resume. */
  private static final Set<String> VOLATILE_FIELDS = Set.of("start_time", "resumed_at", "medadapt_version", "java_version");

  private final LanguageModel model;
  private final PromptFormat promptFormat;
  private final AnswerExtractor extractor;
  private final GenerationOptions options;
  private final List<Question> questions;
  private final Path outDir;
  private final ProgressListener progress;
  private final Function<Question, List<String>> retrieval;
  private final String retrievalName;
  private final String extractorName;
  private final MultipleChoiceScorer llScorer;
  private final boolean llNormalized;
  private final String mode;
  private final long seed;
  private final int subsetSize;
  private final int parallelism;
  private final int batchSize;

  private EvalRunner(Builder b) {
    this.llScorer = b.scoring.isLoglikelihood() ? new MultipleChoiceScorer(b.choices, 1) : null;
    this.llNormalized = b.scoring == ScoringMode.LOGLIKELIHOOD_NORM;
    this.mode = b.scoring.label();
    this.extractorName =
        b.extractorName != null ? b.extractorName : b.extractor == null ? "none" : defaultName(b.extractor);
    this.model = b.model;
    this.promptFormat = b.promptFormat != null ? b.promptFormat : new LmEvalPromptFormat();
    this.extractor = b.extractor;
    this.options = b.options;
    this.questions = b.drawSubset();
    this.outDir = b.outDir;
    this.progress = b.progress;
    this.retrieval = b.retrieval;
    this.retrievalName = b.retrievalName;
    this.seed = b.seed == null ? -1 : b.seed;
    this.subsetSize = b.subsetSize;
    this.parallelism = b.parallelism;
    this.batchSize = b.batchSize;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Runs (or resumes) the evaluation and returns all records of the run. */
  public RunResult run() {
    try {
      Files.createDirectories(outDir);
    } catch (IOException e) {
      throw new MedAdaptException("cannot create run directory " + outDir + ": " + e.getMessage(), e);
    }
    String now = Instant.now().toString();
    RunMetadata fresh = metadata(now);
    RunMetadata old = RunMetadata.exists(outDir) ? RunMetadata.read(outDir) : null;
    if (old != null) {
      checkSameSettings(old, fresh);
    }
    // read (and so validate) the records before touching anything in the directory
    Path recordsFile = outDir.resolve(RunLog.RECORDS_FILE);
    RunLog log = RunLog.read(recordsFile);
    (old != null ? old.withResume(now) : fresh).write(outDir);
    if (log.tornBytes() > 0) {
      LOG.warn("{}: dropping a torn last record of {} bytes left by an interrupted run", recordsFile, log.tornBytes());
      log.truncateTornTail(recordsFile);
    }
    Map<String, ItemRecord> done = log.byKey();
    if (!done.isEmpty()) {
      LOG.info("{}: resuming, {} of {} items already recorded", outDir, done.size(), questions.size());
    }

    // Render every prompt first: finished items are matched by prompt hash, the rest are asked.
    int total = questions.size();
    ItemRecord[] records = new ItemRecord[total];
    List<Integer> pending = new ArrayList<>();
    List<List<ChatMessage>> messages = new ArrayList<>(total);
    List<String> hashes = new ArrayList<>(total);
    List<List<String>> contexts = new ArrayList<>(total);
    int resumed = 0;
    for (int i = 0; i < total; i++) {
      Question q = questions.get(i);
      List<ChatMessage> msgs = null;
      String hash;
      List<String> snippets = retrieval == null ? List.of() : List.copyOf(retrieval.apply(q));
      if (llScorer == null) {
        msgs = promptFormat.render(q, snippets);
        hash = PromptHash.of(msgs);
      } else {
        hash = loglikelihoodHash(q, snippets);
      }
      messages.add(msgs);
      contexts.add(snippets);
      hashes.add(hash);
      ItemRecord prev = done.get(ItemRecord.key(q.benchmark(), q.id()));
      if (prev == null) {
        pending.add(i);
      } else if (!prev.promptHash().equals(hash)) {
        throw new ConfigurationException(
            recordsFile + ": item " + q.benchmark() + "/" + q.id() + " was recorded with prompt hash "
                + prev.promptHash() + " but the prompt now hashes to " + hash
                + "; the prompt changed, use a new output directory");
      } else {
        records[i] = prev;
        resumed++;
      }
    }

    Tracker tracker = new Tracker(total);
    for (ItemRecord r : records) {
      if (r != null) {
        tracker.add(r, false);
      }
    }
    if (resumed > 0) {
      tracker.report(questions.get(0).benchmark());
    }
    try (RunWriter writer = RunWriter.open(recordsFile)) {
      // Work units: one question each, or batchSize questions decoded together (generate mode).
      int unitSize = llScorer == null ? batchSize : 1;
      List<List<Integer>> units = new ArrayList<>();
      for (int start = 0; start < pending.size(); start += unitSize) {
        units.add(pending.subList(start, Math.min(pending.size(), start + unitSize)));
      }
      IntConsumer scoreUnit =
          u -> {
            List<Integer> unit = units.get(u);
            List<ItemRecord> recs;
            if (llScorer != null) {
              int i = unit.get(0);
              recs = List.of(scoreLoglikelihood(questions.get(i), hashes.get(i), contexts.get(i)));
            } else {
              recs = score(unit, messages, hashes);
            }
            for (int k = 0; k < unit.size(); k++) {
              ItemRecord rec = recs.get(k);
              writer.append(rec);
              records[unit.get(k)] = rec;
              tracker.add(rec, true);
              tracker.report(questions.get(unit.get(k)).benchmark());
            }
          };
      List<Integer> unitIndexes = java.util.stream.IntStream.range(0, units.size()).boxed().toList();
      if (parallelism == 1) {
        unitIndexes.forEach(scoreUnit::accept);
      } else {
        runParallel(unitIndexes, scoreUnit);
      }
    }
    List<ItemRecord> out = java.util.Arrays.asList(records);
    Set<String> asked = new HashSet<>();
    out.forEach(r -> asked.add(r.key()));
    long extra = done.keySet().stream().filter(k -> !asked.contains(k)).count();
    if (extra > 0) {
      LOG.warn("{}: {} recorded items are not among this run's questions and were ignored", recordsFile, extra);
    }
    return new RunResult(out, resumed, pending.size(), log.tornBytes());
  }

  /**
   * Scores {@code pending} on {@code parallelism} threads. After the first failure no new item is
   * started; items already in flight finish and are recorded; then the failure is rethrown.
   */
  private void runParallel(List<Integer> pending, IntConsumer scoreOne) {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            parallelism,
            r -> {
              Thread t = new Thread(r, "medadapt-eval-worker");
              t.setDaemon(true);
              return t;
            });
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    try {
      List<Future<?>> futures = new ArrayList<>(pending.size());
      for (int i : pending) {
        futures.add(
            pool.submit(
                () -> {
                  if (failure.get() != null) {
                    return;
                  }
                  try {
                    scoreOne.accept(i);
                  } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                  }
                }));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          failure.compareAndSet(null, new MedAdaptException("evaluation worker failed: " + e.getCause(), e.getCause()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failure.compareAndSet(null, new MedAdaptException("interrupted while waiting for evaluation workers", e));
          break;
        }
      }
    } finally {
      pool.shutdownNow();
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }

  /** Counts finished items and reports progress; shared by worker threads. */
  private final class Tracker {
    private final int total;
    private final long startNanos = System.nanoTime();
    private int done;
    private int fresh;
    private int correct;

    Tracker(int total) {
      this.total = total;
    }

    synchronized void add(ItemRecord r, boolean scoredNow) {
      done++;
      fresh += scoredNow ? 1 : 0;
      correct += r.correct() ? 1 : 0;
    }

    synchronized void report(String benchmark) {
      Map<String, Object> metrics = new LinkedHashMap<>();
      metrics.put("acc", (double) correct / done);
      // rate and ETA from the items scored in this call only, not the resumed ones
      double secs = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
      double rate = fresh / secs;
      Duration eta = rate > 0 ? Duration.ofMillis((long) ((total - done) / rate * 1000)) : null;
      progress.onProgress(new Progress("eval " + benchmark, done, total, "questions", rate, eta, metrics));
    }
  }

  /** Generates for the questions {@code unit} (one call, batched when there are several) and reads the answers. */
  private List<ItemRecord> score(List<Integer> unit, List<List<ChatMessage>> messages, List<String> hashes) {
    long t0 = System.nanoTime();
    List<Generation> gs;
    if (unit.size() == 1) {
      gs = List.of(model.chat(messages.get(unit.get(0)), options));
    } else {
      gs = model.chatBatch(unit.stream().map(messages::get).toList(), options);
      if (gs.size() != unit.size()) {
        throw new MedAdaptException(model.name() + " answered " + gs.size() + " of " + unit.size() + " conversations");
      }
    }
    // A batch's latency is the whole call's, shared by its questions.
    long latencyMs = (System.nanoTime() - t0) / 1_000_000 / unit.size();
    List<ItemRecord> out = new ArrayList<>(unit.size());
    for (int k = 0; k < unit.size(); k++) {
      int i = unit.get(k);
      out.add(record(questions.get(i), gs.get(k), hashes.get(i), latencyMs));
    }
    return out;
  }

  private ItemRecord record(Question q, Generation g, String hash, long latencyMs) {
    Extraction ex = extractor.extract(g.text(), q);
    if (ex == null) {
      throw new MedAdaptException(extractor.getClass().getName() + " returned null for " + q.benchmark() + "/" + q.id());
    }
    String letter = ex.parsed() ? ex.letter() : ItemRecord.UNPARSED;
    boolean correct = ex.parsed() && ex.letter().equals(q.answer());
    return new ItemRecord(
        q.id(), q.benchmark(), hash, "generate", g.text(), letter, ex.rule(), q.answer(), correct, latencyMs);
  }

  /** Hash of the scored strings: the lm-eval context, then each continuation. */
  private String loglikelihoodHash(Question q, List<String> snippets) {
    List<String> parts = new ArrayList<>();
    parts.add(((LmEvalPromptFormat) promptFormat).completionPrompt(q, snippets));
    llScorer.choices(q).forEach(c -> parts.add(" " + c));
    return PromptHash.ofStrings(parts);
  }

  private ItemRecord scoreLoglikelihood(Question q, String hash, List<String> snippets) {
    long t0 = System.nanoTime();
    MultipleChoiceScorer.Item item =
        llScorer.score(model, List.of(q), x -> snippets, ProgressListener.NONE).items().get(0);
    long latencyMs = (System.nanoTime() - t0) / 1_000_000;
    int chosen = llNormalized ? item.predNorm() : item.pred();
    String letter = Question.letter(chosen);
    // the output keeps every score and both predictions, so acc and acc_norm can be recomputed
    String output;
    try {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("loglikelihoods", item.logLikelihoods());
      o.put("acc_pred", Question.letter(item.pred()));
      o.put("acc_norm_pred", Question.letter(item.predNorm()));
      output = JSON.writeValueAsString(o);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new MedAdaptException("cannot serialize log-likelihoods of " + q.benchmark() + "/" + q.id(), e);
    }
    return new ItemRecord(
        q.id(), q.benchmark(), hash, mode, output, letter, llNormalized ? "argmax-ll-per-char" : "argmax-ll",
        q.answer(), letter.equals(q.answer()), latencyMs);
  }

  private RunMetadata metadata(String now) {
    Set<String> benchmarks = new LinkedHashSet<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (Question q : questions) {
      benchmarks.add(q.benchmark());
      counts.merge(q.benchmark(), 1, Integer::sum);
    }
    Map<String, Object> gen = new LinkedHashMap<>();
    gen.put("max_new_tokens", options.maxNewTokens());
    gen.put("temperature", options.temperature());
    gen.put("top_k", options.topK());
    gen.put("top_p", options.topP());
    gen.put("seed", options.seed());
    gen.put("stop_strings", options.stopStrings());
    gen.put("stop_token_ids", options.stopTokenIds().stream().sorted().toList());
    return new RunMetadata(
        RunMetadata.FORMAT, model.name(), promptFormat.name(), mode, extractorName,
        retrievalName, seed, subsetSize, List.copyOf(benchmarks), counts, gen,
        RunMetadata.currentMedadaptVersion(), System.getProperty("java.version"), now, List.of());
  }

  private void checkSameSettings(RunMetadata old, RunMetadata fresh) {
    ObjectNode a = JSON.valueToTree(old);
    ObjectNode b = JSON.valueToTree(fresh);
    List<String> differing = new ArrayList<>();
    for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (VOLATILE_FIELDS.contains(f)) {
        continue;
      }
      JsonNode va = a.get(f);
      JsonNode vb = b.get(f);
      if (va == null || !numericEquals(va, vb)) {
        differing.add(f + " (was " + va + ", now " + vb + ")");
      }
    }
    if (!differing.isEmpty()) {
      throw new ConfigurationException(
          outDir + " holds a run with different settings: " + String.join(", ", differing)
              + "; resume with the same settings or use a new output directory");
    }
  }

  /** Class name; a lambda's per-JVM suffix ("$$Lambda$21/0x...") is cut so the name is stable. */
  private static String defaultName(Object o) {
    String n = o.getClass().getName();
    int lambda = n.indexOf("$$Lambda");
    return lambda < 0 ? n : n.substring(0, lambda + "$$Lambda".length());
  }

  /** JSON equality where 1 and 1.0 (int vs double after a round trip) are the same number. */
  private static boolean numericEquals(JsonNode a, JsonNode b) {
    return a.equals((x, y) -> x.isNumber() && y.isNumber() ? Double.compare(x.asDouble(), y.asDouble()) : (x.equals(y) ? 0 : 1), b);
  }

  /** Builder; required values are checked at {@link #build()}. */
  public static final class Builder {
    private LanguageModel model;
    private PromptFormat promptFormat;
    private AnswerExtractor extractor;
    private String extractorName;
    private ScoringMode scoring = ScoringMode.GENERATE;
    private MultipleChoiceScorer.Choices choices = MultipleChoiceScorer.Choices.LETTERS;
    private GenerationOptions options = GenerationOptions.greedy(512);
    private List<Question> questions;
    private Path outDir;
    private ProgressListener progress = ProgressListener.NONE;
    private Function<Question, List<String>> retrieval;
    private String retrievalName = "none";
    private Long seed;
    private int subsetSize = -1;
    private boolean stratified;
    private int parallelism = 1;
    private int batchSize = 1;

    private Builder() {}

    /** The model to ask (required). */
    public Builder model(LanguageModel model) {
      this.model = model;
      return this;
    }

    /** How questions become messages (required). */
    public Builder promptFormat(PromptFormat promptFormat) {
      this.promptFormat = promptFormat;
      return this;
    }

    /** How answers are read from the output (required). */
    public Builder extractor(AnswerExtractor extractor) {
      this.extractor = extractor;
      return this;
    }

    /** Name of the extractor in the run metadata (default: its class name). */
    public Builder extractorName(String extractorName) {
      this.extractorName = extractorName;
      return this;
    }

    /**
     * How answers are scored (default {@link ScoringMode#GENERATE}, which needs a prompt format and an extractor). The
     * log-likelihood modes score each choice after the {@code lmeval} prompt through eval's {@link MultipleChoiceScorer}
     * (lm-evaluation-harness {@code acc} or {@code acc_norm}); no extractor is needed, and the record's output holds all
     * log-likelihoods and both predictions.
     */
    public Builder scoring(ScoringMode scoring) {
      this.scoring = scoring;
      return this;
    }

    /** What the log-likelihood modes score as the continuation (default: the option letters). */
    public Builder choices(MultipleChoiceScorer.Choices choices) {
      this.choices = choices;
      return this;
    }

    /** Decoding options (default: greedy, 512 new tokens). */
    public Builder options(GenerationOptions options) {
      this.options = options;
      return this;
    }

    /** The questions, in the order they are asked (required, non-empty, unique benchmark/id). */
    public Builder questions(List<Question> questions) {
      this.questions = questions;
      return this;
    }

    /** The run directory (required); created if missing, resumed if it holds the same run. */
    public Builder outDir(Path outDir) {
      this.outDir = outDir;
      return this;
    }

    /** Receives one update per finished item. */
    public Builder progress(ProgressListener progress) {
      this.progress = progress;
      return this;
    }

    /**
     * Retrieval-augmented runs, as MedRAG does them: the question text alone is the query, and the top {@code k} hits
     * are rendered as {@code "(Title: t) content"} into the prompt's context slot. {@code description} (retriever,
     * index) goes into the run metadata. The retriever must be deterministic, since resumed items are matched by prompt
     * hash.
     */
    public Builder retriever(Retriever retriever, int k, String description) {
      Ensure.notNull(retriever, "retriever");
      Ensure.between(k, 1, 1000, "k");
      this.retrieval = q -> retriever.retrieve(q.question(), k).stream()
          .map(h -> MedRagPromptFormat.snippet(h.title(), h.content()))
          .toList();
      this.retrievalName = description + " k=" + k;
      return this;
    }

    /**
     * How many questions are in flight at once (default 1). Useful against servers that batch
     * concurrent requests; results do not depend on it (records are keyed by question, and the
     * result list is in question order), so it is not part of the run's settings.
     */
    public Builder parallelism(int parallelism) {
      this.parallelism = parallelism;
      return this;
    }

    /**
     * Questions decoded together in one {@link LanguageModel#chatBatch} call in generate mode (default 1): the
     * local runtime decodes them as one batch, which multiplies throughput on a CPU where one decode step is
     * bound by reading the weights. Greedy answers do not depend on it, so it is not part of the run's settings.
     * Records are written when a batch ends.
     */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Asks a seeded random subset of {@code n} questions of each benchmark instead of all of them ({@link
     * Subsets#shuffled}, per benchmark, in the order the benchmarks first appear); {@code n = 0} asks all, in the
     * seeded order. Seed and n are recorded in the run metadata.
     */
    public Builder subset(long seed, int n) {
      this.seed = seed;
      Ensure.between(n, 0, Integer.MAX_VALUE, "subset size");
      this.subsetSize = n == 0 ? -1 : n;
      this.stratified = false;
      return this;
    }

    /** Like {@link #subset}, with answer-letter proportions following each benchmark's ({@link Subsets#stratified}). */
    public Builder stratifiedSubset(long seed, int n) {
      subset(seed, n);
      this.stratified = true;
      return this;
    }

    private List<Question> drawSubset() {
      if (seed == null) {
        return List.copyOf(questions);
      }
      Map<String, List<Question>> byBenchmark = new LinkedHashMap<>();
      for (Question q : questions) {
        byBenchmark.computeIfAbsent(q.benchmark(), k -> new ArrayList<>()).add(q);
      }
      List<Question> out = new ArrayList<>();
      for (List<Question> qs : byBenchmark.values()) {
        int n = subsetSize < 0 ? qs.size() : subsetSize;
        out.addAll(stratified ? Subsets.stratified(qs, seed, n) : Subsets.shuffled(qs, seed, n));
      }
      return List.copyOf(out);
    }

    public EvalRunner build() {
      Ensure.notNull(model, "model");
      Ensure.notNull(scoring, "scoring");
      Ensure.notNull(choices, "choices");
      if (!scoring.isLoglikelihood()) {
        Ensure.notNull(promptFormat, "promptFormat");
        Ensure.notNull(extractor, "extractor");
      } else {
        if (promptFormat != null && !(promptFormat instanceof LmEvalPromptFormat)) {
          throw new ConfigurationException(
              "log-likelihood runs use the lmeval prompt format, but promptFormat was " + promptFormat.name());
        }
        if (!model.supportsLoglikelihood()) {
          throw new ConfigurationException(model.name() + " does not support log-likelihood scoring");
        }
      }
      Ensure.notNull(options, "options");
      Ensure.notEmpty(questions, "questions");
      Ensure.notNull(outDir, "outDir");
      Ensure.notNull(progress, "progress");
      if (retrieval != null) {
        Ensure.notBlank(retrievalName, "retrieval description");
      }
      Ensure.between(subsetSize, -1, Integer.MAX_VALUE, "subset size");
      Ensure.between(parallelism, 1, 256, "parallelism");
      Ensure.between(batchSize, 1, 4096, "batchSize");
      Set<String> keys = new HashSet<>();
      for (Question q : questions) {
        Ensure.notNull(q, "questions element");
        if (!keys.add(ItemRecord.key(q.benchmark(), q.id()))) {
          throw new ConfigurationException("questions contain " + q.benchmark() + "/" + q.id() + " twice");
        }
      }
      return new EvalRunner(this);
    }
  }
}
