package dev.medadapt.eval.report;

import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.Ensure;
import dev.medadapt.eval.run.ItemRecord;
import dev.medadapt.eval.stats.Bootstrap;
import dev.medadapt.eval.stats.Holm;
import dev.medadapt.eval.stats.Interval;
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
  public record Row(String benchmark, PairedComparison paired, double holmP, boolean significant) {
    /** Questions both runs answered. */
    public int n() {
      return paired.n();
    }

    /** Accuracy of A minus accuracy of B. */
    public double difference() {
      return paired.difference().estimate();
    }

    /** The paired bootstrap interval of the difference. */
    public Interval interval() {
      return paired.difference();
    }

    /** Questions only A answered correctly (a discordant count). */
    public int onlyA() {
      return paired.onlyA();
    }

    /** Questions only B answered correctly (the other discordant count). */
    public int onlyB() {
      return paired.onlyB();
    }

    /** McNemar's exact two-sided p-value, before adjustment. */
    public double p() {
      return paired.mcnemarP();
    }

    /** The Holm-adjusted p-value (same as {@link #holmP()}). */
    public double adjustedP() {
      return holmP;
    }
  }

  /**
   * A builder: {@code Comparison.builder().a("rag", rag.records()).b("base", base.records()).bootstrap(bootstrap)
   * .level(0.95).alpha(0.05).build()}.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link Comparison}; runs A and B and the bootstrap are required, level and alpha default to 0.95, 0.05. */
  public static final class Builder {
    private String labelA;
    private List<ItemRecord> a;
    private String labelB;
    private List<ItemRecord> b;
    private Bootstrap bootstrap;
    private double level = 0.95;
    private double alpha = 0.05;

    private Builder() {}

    /** Run A: its label in tables and its records. */
    public Builder a(String label, List<ItemRecord> records) {
      this.labelA = label;
      this.a = records;
      return this;
    }

    /** Run B, the reference the difference is taken against. */
    public Builder b(String label, List<ItemRecord> records) {
      this.labelB = label;
      this.b = records;
      return this;
    }

    /** The bootstrap (resamples and seed) of the difference intervals. */
    public Builder bootstrap(Bootstrap bootstrap) {
      this.bootstrap = bootstrap;
      return this;
    }

    /** Confidence level of the intervals, in (0, 1) (default 0.95). */
    public Builder level(double level) {
      this.level = level;
      return this;
    }

    /** Family-wise significance level of the Holm-adjusted tests, in (0, 1) (default 0.05). */
    public Builder alpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** Pairs the records of the two runs by benchmark and question id and compares them. */
    public Comparison build() {
      Ensure.notBlank(labelA, "labelA");
      Ensure.notBlank(labelB, "labelB");
      Ensure.notNull(a, "records of A");
      Ensure.notNull(b, "records of B");
      Ensure.notNull(bootstrap, "bootstrap");
      if (!(level > 0 && level < 1)) {
        throw new dev.medadapt.core.ConfigurationException("level must be in (0, 1), was " + level);
      }
      if (!(alpha > 0 && alpha < 1)) {
        throw new dev.medadapt.core.ConfigurationException("alpha must be in (0, 1), was " + alpha);
      }
      return compare(labelA, a, labelB, b, bootstrap, level, alpha);
    }
  }

  private static Comparison compare(
      String labelA, List<ItemRecord> a, String labelB, List<ItemRecord> b,
      Bootstrap bootstrap, double level, double alpha) {
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
