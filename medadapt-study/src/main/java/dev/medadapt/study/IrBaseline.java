package dev.medadapt.study;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.MedAdaptException;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.eval.baseline.IrSolver;
import dev.medadapt.eval.baseline.PassageScorer;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.contamination.WordNgrams;
import dev.medadapt.eval.run.ItemRecord;
import dev.medadapt.eval.run.PromptHash;
import dev.medadapt.eval.run.RunLog;
import dev.medadapt.eval.run.RunResult;
import dev.medadapt.eval.run.RunWriter;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Retriever;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LLM-free information-retrieval solver of Clark et al. (2016) over any {@link Retriever} (BM25, dense or
 * hybrid), recorded as a resumable run: one {@link ItemRecord} per question in {@code runDir/records.jsonl}, so
 * that its answers are summarised and compared exactly like a language model's.
 *
 * <pre>{@code
 * RunResult r = IrBaseline.run(IrBaseline.scorer(bm25), "ir-bm25 (bm25, 20 hits)", questions,
 *     Path.of("runs/ir-bm25"), ProgressListener.NONE);
 * }</pre>
 */
public final class IrBaseline {
  private static final Logger LOG = LoggerFactory.getLogger(IrBaseline.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Hits examined per option for one that passes the overlap filter (Clark et al. 2016 take the top passage). */
  public static final int HITS = 20;

  /** The {@link ItemRecord#mode()} of the solver's records. */
  public static final String MODE = "ir-solver";

  private IrBaseline() {}

  /** The overlap-filtered scorer of Clark et al. (2016) over {@code retriever}, examining {@link #HITS} hits. */
  public static PassageScorer scorer(Retriever retriever) {
    return new OverlapFiltered(Ensure.notNull(retriever, "retriever"), HITS);
  }

  /**
   * Answers every question (or resumes: questions already in {@code runDir/records.jsonl} with the same
   * description are kept). A recorded question whose hash differs (other retriever, other text) is refused.
   *
   * @param description what retrieves (mode, embedder, hits); part of each record's hash
   */
  public static RunResult run(
      PassageScorer scorer, String description, List<Question> questions, Path runDir, ProgressListener progress) {
    Ensure.notBlank(description, "description");
    Ensure.notEmpty(questions, "questions");
    try {
      Files.createDirectories(runDir);
    } catch (IOException e) {
      throw new MedAdaptException("cannot create run directory " + runDir + ": " + e.getMessage(), e);
    }
    Path file = runDir.resolve(RunLog.RECORDS_FILE);
    RunLog log = RunLog.read(file);
    if (log.tornBytes() > 0) {
      LOG.warn("{}: dropping a torn last record of {} bytes left by an interrupted run", file, log.tornBytes());
      log.truncateTornTail(file);
    }
    Map<String, ItemRecord> done = log.byKey();
    IrSolver solver = new IrSolver(scorer);
    List<ItemRecord> out = new ArrayList<>(questions.size());
    int resumed = 0;
    int scored = 0;
    int correct = 0;
    long start = System.nanoTime();
    String task = "ir " + runDir.getFileName();
    try (RunWriter writer = RunWriter.open(file)) {
      for (Question q : questions) {
        String hash = hash(description, q);
        ItemRecord prev = done.get(q.benchmark() + '\u0000' + q.id());
        ItemRecord rec;
        if (prev != null) {
          if (!prev.promptHash().equals(hash)) {
            throw new ConfigurationException(file + ": item " + q.benchmark() + "/" + q.id()
                + " was recorded by another retriever or question text (hash " + prev.promptHash() + ", now "
                + hash + "); use a new output directory");
          }
          rec = prev;
          resumed++;
        } else {
          rec = record(solver, q, hash);
          writer.append(rec);
          scored++;
        }
        out.add(rec);
        correct += rec.correct() ? 1 : 0;
        progress.onProgress(Progress.of(task, out.size(), questions.size(), "questions",
            Duration.ofNanos(System.nanoTime() - start), Map.of("acc", (double) correct / out.size())));
      }
    }
    return new RunResult(out, resumed, scored, log.tornBytes());
  }

  /** Whether a record of this solver was decided by option order (a tie, or no option retrieved anything). */
  public static boolean tied(ItemRecord r) {
    return !r.rule().equals("best-hit");
  }

  private static ItemRecord record(IrSolver solver, Question q, String hash) {
    long t0 = System.nanoTime();
    IrSolver.Answer a = solver.answer(q);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    boolean none = a.scores().stream().allMatch(s -> s == Double.NEGATIVE_INFINITY);
    String rule = none ? "no-hit-first-option" : a.tied() ? "tie-first-option" : "best-hit";
    Map<String, Object> o = new LinkedHashMap<>();
    // -Infinity is not JSON: an option without a passing hit is written as null
    o.put("best_hit_scores", a.scores().stream().map(s -> s == Double.NEGATIVE_INFINITY ? null : s).toList());
    String output;
    try {
      output = JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new MedAdaptException("cannot serialize scores of " + q.benchmark() + "/" + q.id(), e);
    }
    return new ItemRecord(q.id(), q.benchmark(), hash, MODE, output, a.letter(), rule, q.answer(), a.correct(), ms);
  }

  private static String hash(String description, Question q) {
    List<String> parts = new ArrayList<>();
    parts.add(description);
    parts.add(q.question());
    parts.addAll(q.options());
    return PromptHash.ofStrings(parts);
  }

  /**
   * Clark et al. (2016), Sec. 3.1: the score of the top passage for question + option that shares at least one
   * non-stopword with the question and at least one with the option, among the first {@code hits} hits
   * ({@link Double#NEGATIVE_INFINITY} when none does). Words are {@link WordNgrams#tokens}; stopwords are Lucene's
   * English set. An option made only of stopwords (BioASQ's "no") cannot overlap, so for it only the question
   * overlap is required.
   */
  private static final class OverlapFiltered implements PassageScorer {
    private final Retriever retriever;
    private final int hits;

    OverlapFiltered(Retriever retriever, int hits) {
      this.retriever = retriever;
      this.hits = hits;
    }

    @Override
    public double bestScore(String query) {
      List<Hit> top = retriever.retrieve(query, 1);
      return top.isEmpty() ? Double.NEGATIVE_INFINITY : top.get(0).score();
    }

    @Override
    public double bestScore(String question, String option) {
      Set<String> q = contentWords(question);
      Set<String> o = contentWords(option);
      for (Hit h : retriever.retrieve(question + " " + option, hits)) {
        Set<String> words = new HashSet<>(WordNgrams.tokens(h.title() + " " + h.content()));
        if (!Collections.disjoint(words, q) && (o.isEmpty() || !Collections.disjoint(words, o))) {
          return h.score();
        }
      }
      return Double.NEGATIVE_INFINITY;
    }

    private static Set<String> contentWords(String text) {
      Set<String> out = new HashSet<>(WordNgrams.tokens(text));
      out.removeIf(EnglishAnalyzer.ENGLISH_STOP_WORDS_SET::contains);
      return out;
    }
  }
}
