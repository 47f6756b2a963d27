package dev.medadapt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.eval.bench.BenchmarkLoaders;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.score.MirageExtractor;
import dev.medadapt.eval.score.PredictionScorer;
import dev.medadapt.eval.score.Predictions;
import dev.medadapt.eval.score.ReasoningExtractor;
import dev.medadapt.eval.score.ScoreReport;
import dev.medadapt.eval.score.ScoredItem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code medadapt score}: accuracy of another system's raw outputs on a benchmark, with the Wilson
 * 95% interval; missing, empty and unparsed predictions are counted wrong and reported.
 */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = {
      "Score another system's outputs on a benchmark.",
      "Predictions: JSONL (optionally .gz) with {\"id\":..,\"output\":\"raw\"} or {\"id\":..,\"responses\":[\"raw\",..]}"
          + " (first response scored), or a MIRAGE prediction folder (test_<id>.json / dev_<id>.json)."
    })
public final class ScoreCommand implements Callable<Integer> {

  @Option(names = "--data", required = true, description = "Benchmark file or folder (MIRAGE benchmark.json or any loader's file).")
  Path data;

  @Option(names = "--dataset", required = true,
      description = "With a MIRAGE benchmark.json: mmlu|medqa|medmcqa|pubmedqa|bioasq; otherwise a loader name: ${COMPLETION-CANDIDATES}",
      completionCandidates = LoaderNames.class)
  String dataset;

  @Option(names = "--predictions", required = true, description = "Predictions JSONL(.gz) or MIRAGE prediction folder.")
  Path predictions;

  @Option(names = "--compat", description = "mirage: reproduce MIRAGE's evaluate.py exactly (incl. its default \"A\"). Default: reasoning-aware extraction that never guesses.")
  String compat;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PredictionScorer scorer;
    if (compat == null) {
      scorer = new PredictionScorer(new ReasoningExtractor(), "reasoning");
    } else if (compat.equals("mirage")) {
      scorer = new PredictionScorer(new MirageExtractor(), "mirage");
    } else {
      throw new dev.medadapt.core.ConfigurationException("--compat must be mirage, was " + compat);
    }
    List<Question> questions = BenchmarkLoaders.forData(dataset, data).load(data);
    String name = dataset.startsWith("mirage:") ? dataset.substring(7) : dataset;
    ScoreReport r = scorer.score(name, questions, Predictions.read(predictions, name));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper m = new ObjectMapper();
      ObjectNode o = m.createObjectNode();
      o.put("dataset", r.dataset());
      o.put("extractor", r.extractor());
      o.put("n", r.n());
      o.put("correct", r.correct());
      o.put("accuracy", r.accuracy());
      o.put("unparsed", r.unparsed());
      o.put("missing", r.missing());
      o.put("empty", r.empty());
      o.put("mirage_default_a", r.defaulted());
      o.put("unknown_ids", r.unknownIds());
      o.put("ci_low", r.ciLow());
      o.put("ci_high", r.ciHigh());
      o.put("ci_method", "wilson-0.95");
      o.put("data", data.toString());
      o.put("predictions", predictions.toString());
      out.println(m.writeValueAsString(o));
    } else {
      out.printf(Locale.ROOT, "dataset   %s (%d questions, extractor %s)%n", r.dataset(), r.n(), r.extractor());
      out.printf(Locale.ROOT, "accuracy  %.4f (%d/%d), Wilson 95%% CI [%.4f, %.4f]%n",
          r.accuracy(), r.correct(), r.n(), r.ciLow(), r.ciHigh());
      out.printf(Locale.ROOT, "unparsed  %d (counted wrong)%n", r.unparsed());
      out.printf(Locale.ROOT, "missing   %d (no prediction; counted wrong)%n", r.missing());
      out.printf(Locale.ROOT, "empty     %d (empty response list; counted wrong)%n", r.empty());
      if (r.extractor().equals("mirage")) {
        out.printf(Locale.ROOT, "default-A %d (MIRAGE's silent default answer)%n", r.defaulted());
      }
      out.printf(Locale.ROOT, "unknown   %d prediction ids not in the benchmark%s%n", r.unknownIds(),
          r.unknownIds() == 0 ? "" : " (e.g. " + String.join(", ", r.unknownIdExamples()) + ")");
      for (ScoredItem item : r.items()) {
        if (item.status() == ScoredItem.Status.UNPARSED) {
          out.printf(Locale.ROOT, "UNPARSED  %s: %s%n", item.id(), item.extraction().rule());
        }
      }
    }
    out.flush();
    return 0;
  }

  /** Loader names for the help text. */
  static final class LoaderNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return BenchmarkLoaders.names().iterator();
    }
  }
}
