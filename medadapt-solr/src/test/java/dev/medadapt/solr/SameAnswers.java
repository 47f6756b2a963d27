package dev.medadapt.solr;

import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Retriever;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Compares two retrievers' top-k over a query set. */
final class SameAnswers {
  private SameAnswers() {}

  /**
   * BM25 comparison.
   *
   * @param queries compared
   * @param worstRelativeScoreDiff largest |a - b| / |b| over all rank positions
   * @param idMismatches rank positions whose ids differ and whose scores are not tied within 1e-5 (ties may be ordered differently)
   * @param scoreMismatches hits of {@code solr} whose id has another score (beyond 1e-5 relative) in {@code local}'s top 50
   * @param exactIdOrder queries whose top-k id lists are identical
   */
  record Bm25(int queries, double worstRelativeScoreDiff, int idMismatches, int scoreMismatches, int exactIdOrder) {}

  static Bm25 bm25(Retriever local, Retriever solr, List<String> queries, int k) {
    double worst = 0;
    int idMismatch = 0;
    int scoreMismatch = 0;
    int exact = 0;
    for (String q : queries) {
      List<Hit> a = solr.retrieve(q, k);
      List<Hit> wide = local.retrieve(q, 50);
      List<Hit> b = wide.subList(0, Math.min(k, wide.size()));
      if (a.size() != b.size()) {
        idMismatch += Math.abs(a.size() - b.size());
      }
      Map<String, Double> localScore = new HashMap<>();
      for (Hit h : wide) {
        localScore.put(h.id(), h.score());
      }
      boolean same = a.size() == b.size();
      for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
        double rel = rel(a.get(i).score(), b.get(i).score());
        worst = Math.max(worst, rel);
        if (!a.get(i).id().equals(b.get(i).id())) {
          same = false;
          if (rel > 1e-5 || !tiedInBoth(a.get(i), b.get(i), localScore)) {
            idMismatch++;
          }
        }
      }
      for (Hit h : a) {
        Double s = localScore.get(h.id());
        if (s == null || rel(h.score(), s) > 1e-5) {
          scoreMismatch++;
        }
      }
      if (same) {
        exact++;
      }
    }
    return new Bm25(queries.size(), worst, idMismatch, scoreMismatch, exact);
  }

  private static boolean tiedInBoth(Hit solrHit, Hit localHit, Map<String, Double> localScore) {
    Double s = localScore.get(solrHit.id());
    return s != null && rel(s, localHit.score()) <= 1e-5;
  }

  static double rel(double a, double b) {
    return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
  }

  /** Mean over queries of |top-k(a) ∩ top-k(b)| / |top-k(b)|. */
  static double overlap(Retriever a, Retriever b, List<String> queries, int k) {
    double sum = 0;
    for (String q : queries) {
      Set<String> want = new HashSet<>();
      b.retrieve(q, k).forEach(h -> want.add(h.id()));
      if (want.isEmpty()) {
        sum += 1;
        continue;
      }
      int got = 0;
      for (Hit h : a.retrieve(q, k)) {
        got += want.contains(h.id()) ? 1 : 0;
      }
      sum += (double) got / want.size();
    }
    return sum / queries.size();
  }
}
