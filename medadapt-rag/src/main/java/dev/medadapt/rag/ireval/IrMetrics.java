package dev.medadapt.rag.ireval;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ranking metrics with trec_eval's definitions (github.com/usnistgov/trec_eval, measures
 * {@code ndcg_cut}, {@code recall}, {@code recip_rank}, {@code map}); relevant means grade >= 1.
 *
 * <ul>
 *   <li>nDCG@k ({@code ndcg_cut.k}): DCG = sum over the top k of gain / log2(rank + 1) with gain =
 *       the relevance grade (negative grades count 0); divided by the DCG of the ideal ordering of
 *       all judged grades, cut at k; 0 when the ideal DCG is 0.
 *   <li>recall@k ({@code recall.k}): relevant documents in the top k / all relevant; 0 if none is relevant.
 *   <li>MRR@k ({@code recip_rank} on the top k, i.e. {@code trec_eval -M k}): 1 / rank of the first relevant document.
 *   <li>MAP ({@code map}): sum over relevant retrieved documents of precision at their rank, divided by
 *       the number of relevant documents.
 * </ul>
 *
 * Rankings follow trec_eval's order ({@link TrecRun#ranking}). Averages are over the queries that
 * appear in both the run and the qrels, like trec_eval without {@code -c}.
 */
public final class IrMetrics {
  private IrMetrics() {}

  /** Per-query metric values: {@code ndcg@k}, {@code recall@k}, {@code mrr@k} for each k, and {@code map}. */
  public static Map<String, Double> perQuery(List<RankedDoc> ranking, Map<String, Integer> judged, List<Integer> ks) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int k : ks) {
      m.put("ndcg@" + k, ndcg(ranking, judged, k));
    }
    for (int k : ks) {
      m.put("recall@" + k, recall(ranking, judged, k));
    }
    for (int k : ks) {
      m.put("mrr@" + k, mrr(ranking, judged, k));
    }
    m.put("map", averagePrecision(ranking, judged));
    return m;
  }

  public static double ndcg(List<RankedDoc> ranking, Map<String, Integer> judged, int k) {
    Ensure.positive(k, "k");
    double dcg = 0;
    for (int i = 0; i < Math.min(k, ranking.size()); i++) {
      int g = judged.getOrDefault(ranking.get(i).docId(), 0);
      if (g > 0) {
        dcg += g / log2(i + 2);
      }
    }
    List<Integer> ideal = new ArrayList<>(judged.values());
    ideal.sort(Comparator.reverseOrder());
    double idcg = 0;
    for (int i = 0; i < Math.min(k, ideal.size()); i++) {
      if (ideal.get(i) > 0) {
        idcg += ideal.get(i) / log2(i + 2);
      }
    }
    return idcg == 0 ? 0 : dcg / idcg;
  }

  public static double recall(List<RankedDoc> ranking, Map<String, Integer> judged, int k) {
    Ensure.positive(k, "k");
    long rel = judged.values().stream().filter(g -> g >= 1).count();
    if (rel == 0) {
      return 0;
    }
    long found = 0;
    for (int i = 0; i < Math.min(k, ranking.size()); i++) {
      if (judged.getOrDefault(ranking.get(i).docId(), 0) >= 1) {
        found++;
      }
    }
    return (double) found / rel;
  }

  public static double mrr(List<RankedDoc> ranking, Map<String, Integer> judged, int k) {
    Ensure.positive(k, "k");
    for (int i = 0; i < Math.min(k, ranking.size()); i++) {
      if (judged.getOrDefault(ranking.get(i).docId(), 0) >= 1) {
        return 1.0 / (i + 1);
      }
    }
    return 0;
  }

  public static double averagePrecision(List<RankedDoc> ranking, Map<String, Integer> judged) {
    long rel = judged.values().stream().filter(g -> g >= 1).count();
    if (rel == 0) {
      return 0;
    }
    double sum = 0;
    int found = 0;
    for (int i = 0; i < ranking.size(); i++) {
      if (judged.getOrDefault(ranking.get(i).docId(), 0) >= 1) {
        found++;
        sum += (double) found / (i + 1);
      }
    }
    return sum / rel;
  }

  /** Means over the evaluated queries, and the per-query values. */
  public static IrEvaluation evaluate(TrecRun run, Qrels qrels, List<Integer> ks) {
    Ensure.notEmpty(ks, "ks");
    Map<String, Map<String, Double>> per = new LinkedHashMap<>();
    for (String qid : run.queries().keySet()) {
      Map<String, Integer> judged = qrels.judgments().get(qid);
      if (judged == null) {
        continue;
      }
      per.put(qid, perQuery(run.ranking(qid), judged, ks));
    }
    if (per.isEmpty()) {
      throw new ConfigurationException("no query of the run has relevance judgments: the run's query ids ("
          + run.queries().size() + ") and the qrels' (" + qrels.judgments().size() + ") do not overlap");
    }
    Map<String, Double> mean = new LinkedHashMap<>();
    for (Map<String, Double> m : per.values()) {
      m.forEach((name, v) -> mean.merge(name, v, Double::sum));
    }
    mean.replaceAll((name, sum) -> sum / per.size());
    return new IrEvaluation(mean, per);
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
