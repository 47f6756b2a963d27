package dev.medadapt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.eval.baseline.IrSolver;
import dev.medadapt.eval.baseline.PassageScorer;
import dev.medadapt.eval.bench.BenchmarkLoaders;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.bench.Subsets;
import dev.medadapt.eval.contamination.WordNgrams;
import dev.medadapt.eval.stats.Interval;
import dev.medadapt.eval.stats.Proportions;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Retriever;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code medadapt baseline}: the information-retrieval solver of Clark et al. (2016) over a
 * medadapt-rag index — for each option, BM25 search with question + option, choose the option whose
 * top hit (sharing a non-stopword with the question and with the option) scores highest. No language
 * model.
 */
@Command(
    name = "baseline",
    mixinStandardHelpOptions = true,
    description = "IR baseline (Clark et al. 2016) over a medadapt-rag index: no LLM; option whose question+option query has the best BM25 hit.")
public final class BaselineCommand implements Callable<Integer> {
  /** BM25 hits examined per option for one that passes the overlap filter. */
  static final int HITS = 20;

  @Option(names = "--index", required = true, description = "A medadapt-rag index folder.")
  Path index;

  @Option(names = "--data", required = true, description = "Benchmark file or folder (MIRAGE benchmark.json or any loader's file).")
  Path data;

  @Option(names = "--dataset", required = true, description = "Loader name, or a MIRAGE set with a MIRAGE benchmark.json.")
  String dataset;

  @Option(names = "--n", description = "Score a seeded random subset of this many questions (default: all).")
  Integer n;

  @Option(names = "--seed", defaultValue = "4242", description = "Seed of the subset (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    List<Question> questions = BenchmarkLoaders.forData(dataset, data).load(data);
    if (n != null) {
      Ensure.positive(n, "--n");
      questions = Subsets.shuffled(questions, seed, n);
    }
    List<IrSolver.Answer> answers;
    try (RagIndex idx = RagIndex.open(index)) {
      Retriever bm25 = Bm25Retriever.builder(idx).build();
      answers = new IrSolver(new OverlapFilteredBm25(bm25, HITS)).answerAll(questions, ProgressListener.NONE);
    }
    int correct = (int) answers.stream().filter(IrSolver.Answer::correct).count();
    int ties = (int) answers.stream().filter(IrSolver.Answer::tied).count();
    Interval ci = Proportions.wilson(correct, answers.size(), 0.95);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper m = new ObjectMapper();
      ObjectNode o = m.createObjectNode();
      o.put("dataset", dataset);
      o.put("method", "ir-clark2016-bm25");
      o.put("n", answers.size());
      o.put("correct", correct);
      o.put("accuracy", ci.estimate());
      o.put("ties", ties);
      o.put("ci_low", ci.low());
      o.put("ci_high", ci.high());
      if (n != null) {
        o.put("seed", seed);
      }
      out.println(m.writeValueAsString(o));
    } else {
      out.printf(Locale.ROOT, "dataset   %s (%d questions%s), IR baseline (Clark et al. 2016, BM25)%n",
          dataset, answers.size(), n == null ? "" : ", seed " + seed);
      out.printf(Locale.ROOT, "accuracy  %.4f (%d/%d), Wilson 95%% CI [%.4f, %.4f]%n",
          ci.estimate(), correct, answers.size(), ci.low(), ci.high());
      out.printf(Locale.ROOT, "ties      %d (decided by option order: first of the tied options)%n", ties);
    }
    out.flush();
    return 0;
  }

  /**
   * Clark et al. (2016), Sec. 3.1: the score of the top passage for question + option that shares at
   * least one non-stopword with the question and at least one with the option, among the first
   * {@code hits} BM25 hits ({@link Double#NEGATIVE_INFINITY} when none does). Words are
   * {@link WordNgrams#tokens}; stopwords are Lucene's English set. An option made only of stopwords
   * (BioASQ's "no") cannot overlap, so for it only the question overlap is required.
   */
  static final class OverlapFilteredBm25 implements PassageScorer {
    private final Retriever bm25;
    private final int hits;

    OverlapFilteredBm25(Retriever bm25, int hits) {
      this.bm25 = bm25;
      this.hits = hits;
    }

    @Override
    public double bestScore(String query) {
      List<Hit> top = bm25.retrieve(query, 1);
      return top.isEmpty() ? Double.NEGATIVE_INFINITY : top.get(0).score();
    }

    @Override
    public double bestScore(String question, String option) {
      Set<String> q = contentWords(question);
      Set<String> o = contentWords(option);
      for (Hit h : bm25.retrieve(question + " " + option, hits)) {
        Set<String> words = new HashSet<>(WordNgrams.tokens(h.title() + " " + h.content()));
        if (!Collections.disjoint(words, q) && (o.isEmpty() || !Collections.disjoint(words, o))) {
          return h.score();
        }
      }
      return Double.NEGATIVE_INFINITY;
    }

    private static Set<String> contentWords(String text) {
      Set<String> out = new HashSet<>(WordNgrams.tokens(text));
      out.removeIf(w -> EnglishAnalyzer.ENGLISH_STOP_WORDS_SET.contains(w));
      return out;
    }
  }
}
