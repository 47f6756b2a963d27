package dev.medadapt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.eval.baseline.IrSolver;
import dev.medadapt.eval.bench.BenchmarkLoaders;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.bench.Subsets;
import dev.medadapt.eval.stats.Interval;
import dev.medadapt.eval.stats.Proportions;
import dev.medadapt.rag.retrieve.Retriever;
import dev.medadapt.study.IrBaseline;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
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
  @ArgGroup(exclusive = true, multiplicity = "1", heading = "Index: a medadapt-rag index folder or a SolrCloud collection%n")
  RetrievalTarget target;

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
    try (RetrievalTarget.Opened idx = target.open()) {
      Retriever bm25 = idx.bm25();
      answers = new IrSolver(IrBaseline.scorer(bm25)).answerAll(questions, ProgressListener.NONE);
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
}
