package dev.medadapt.rag.ireval;

import java.util.Map;

/**
 * Result of {@link IrMetrics#evaluate}.
 *
 * @param mean metric name ({@code ndcg@10}, {@code recall@10}, {@code mrr@10}, {@code map}) to its mean over queries
 * @param perQuery query id to its metric values
 */
public record IrEvaluation(Map<String, Double> mean, Map<String, Map<String, Double>> perQuery) {

  /** Number of evaluated queries. */
  public int queries() {
    return perQuery.size();
  }
}
