package dev.medadapt.cli;

import dev.medadapt.rag.ireval.IrEvaluation;
import dev.medadapt.rag.ireval.IrMetrics;
import dev.medadapt.rag.ireval.Qrels;
import dev.medadapt.rag.ireval.TrecRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code medadapt ir-eval}: trec_eval-style metrics of a run against qrels. */
@Command(
    name = "ir-eval",
    mixinStandardHelpOptions = true,
    description = "Score a TREC run against qrels (TREC or BEIR TSV): nDCG@k, recall@k, MRR@k, MAP with trec_eval's definitions.")
public final class IrEvalCommand implements Callable<Integer> {

  @Option(names = "--run", required = true, paramLabel = "FILE",
      description = "TREC run to score (qid Q0 docid rank score tag), e.g. written by search --run-out.")
  Path run;

  @Option(names = "--qrels", required = true, paramLabel = "FILE",
      description = "Relevance judgements: TREC qrels (qid 0 docid rel) or BEIR TSV (query-id, corpus-id, score).")
  Path qrels;

  @Option(names = "--cutoffs", split = ",", paramLabel = "K", defaultValue = "10",
      description = "Cut-offs k of the @k metrics, comma-separated (default ${DEFAULT-VALUE}).")
  List<Integer> ks;

  @Option(names = "--per-query", description = "Also print each query's values.")
  boolean perQuery;

  @Override
  public Integer call() {
    IrEvaluation e = IrMetrics.evaluate(TrecRun.read(run), Qrels.read(qrels), ks);
    if (perQuery) {
      for (Map.Entry<String, Map<String, Double>> q : e.perQuery().entrySet()) {
        q.getValue().forEach((name, v) -> System.out.printf(Locale.ROOT, "%-12s %-20s %.4f%n", name, q.getKey(), v));
      }
    }
    System.out.printf(Locale.ROOT, "%-12s %-20s %d%n", "queries", "all", e.queries());
    e.mean().forEach((name, v) -> System.out.printf(Locale.ROOT, "%-12s %-20s %.4f%n", name, "all", v));
    return 0;
  }
}
