package dev.medadapt.eval.report;

import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.Ensure;
import dev.medadapt.eval.run.ItemRecord;
import dev.medadapt.eval.stats.Bootstrap;
import dev.medadapt.eval.stats.Holm;
import dev.medadapt.eval.stats.PairedComparison;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two runs compared benchmark by benchmark on the questions both answered: accuracy of A and B, the
 * paired bootstrap interval of A - B, McNemar's exact p-value, and that p-value Holm-adjusted over
 * the benchmarks compared (the family), with "significant" meaning adjusted p {@code <= alpha}.
 *
 * <p>Items present in only one run cannot be paired; they are counted per run in
 * {@link #onlyInA()} / {@link #onlyInB()} and reported, never silently dropped. An item whose gold
 * answer differs between the runs means the runs used different data, which is an error.
 *
 * @param labelA name of run A
 * @param labelB name of run B
 * @param rows one row per benchmark present in both runs, in A's order
 * @param onlyInA items of A without a counterpart in B
 * @param onlyInB items of B without a counterpart in A
 * @param alpha family-wise significance level
 */
public record Comparison(
    String labelA, String labelB, List<Row> rows, int onlyInA, int onlyInB, double alpha) {

  public Comparison {
    rows = List.copyOf(rows);
  }

  /**
   * One benchmark of the comparison.
   *
   * @param benchmark benchmark name
   * @param paired McNemar cells, difference interval and raw p-value
   * @param holmP Holm-adjusted p-value
   * @param significant whether {@code holmP <= alpha}
   */
  public record Row(String benchmark, PairedComparison paired, double holmP, boolean significant) {}

  /** Pairs the records of two runs by benchmark and question id and compares them. */
  public static Comparison of(
      String labelA, List<ItemRecord> a, String labelB, List<ItemRecord> b,
      Bootstrap bootstrap, double level, double alpha) {
    Ensure.notBlank(labelA, "labelA");
    Ensure.notBlank(labelB, "labelB");
    if (!(alpha > 0 && alpha < 1)) {
      throw new dev.medadapt.core.ConfigurationException("alpha must be in (0, 1), was " + alpha);
    }
    Map<String, ItemRecord> bByKey = new HashMap<>();
    b.forEach(r -> bByKey.put(r.key(), r));
    Map<String, List<boolean[]>> pairs = new LinkedHashMap<>();
    int matched = 0;
    for (ItemRecord ra : a) {
      ItemRecord rb = bByKey.get(ra.key());
      if (rb == null) {
        continue;
      }
      if (!ra.gold().equals(rb.gold())) {
        throw new DataFormatException(
            "item " + ra.benchmark() + "/" + ra.questionId() + " has gold answer " + ra.gold() + " in " + labelA
                + " but " + rb.gold() + " in " + labelB + ": the runs used different data");
      }
      matched++;
      pairs.computeIfAbsent(ra.benchmark(), k -> new ArrayList<>()).add(new boolean[] {ra.correct(), rb.correct()});
    }
    List<String> names = new ArrayList<>(pairs.keySet());
    List<PairedComparison> cmp = new ArrayList<>();
    double[] p = new double[names.size()];
    for (int i = 0; i < names.size(); i++) {
      List<boolean[]> ps = pairs.get(names.get(i));
      boolean[] ca = new boolean[ps.size()];
      boolean[] cb = new boolean[ps.size()];
      for (int j = 0; j < ps.size(); j++) {
        ca[j] = ps.get(j)[0];
        cb[j] = ps.get(j)[1];
      }
      PairedComparison pc = PairedComparison.of(ca, cb, bootstrap, level);
      cmp.add(pc);
      p[i] = pc.mcnemarP();
    }
    double[] adj = Holm.adjust(p);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      rows.add(new Row(names.get(i), cmp.get(i), adj[i], adj[i] <= alpha));
    }
    return new Comparison(labelA, labelB, rows, a.size() - matched, b.size() - matched, alpha);
  }

  /** The comparison table. */
  public Table table() {
    Table.Builder t =
        Table.builder(labelA + " vs " + labelB)
            .columns("benchmark", "n", "accuracy_a", "accuracy_b", "difference", "diff_low", "diff_high",
                "only_a", "only_b", "mcnemar_p", "holm_p", "significant");
    for (Row r : rows) {
      PairedComparison pc = r.paired();
      t.row(r.benchmark(), pc.n(), pc.accuracyA(), pc.accuracyB(), pc.difference().estimate(),
          pc.difference().low(), pc.difference().high(), pc.onlyA(), pc.onlyB(), pc.mcnemarP(), r.holmP(),
          r.significant() ? "yes" : "no");
    }
    return t.build();
  }
}
