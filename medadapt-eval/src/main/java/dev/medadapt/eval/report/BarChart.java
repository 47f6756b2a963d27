package dev.medadapt.eval.report;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.chart.Canvas;
import dev.medadapt.core.chart.SvgCanvas;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A grouped bar chart of accuracies with interval whiskers: one group per benchmark, one bar per
 * run. Rendered as hand-written SVG (deterministic: same input, same bytes; all text XML-escaped)
 * or as PNG through Java2D, from the same layout.
 *
 * <pre>{@code
 * BarChart chart = BarChart.of("Accuracy (95% Wilson)", List.of(baseSummary, ragSummary));
 * Files.writeString(dir.resolve("accuracy.svg"), chart.toSvg());
 * }</pre>
 *
 * @param title chart title
 * @param caption line under the chart saying what bars and whiskers show
 * @param groups group labels along the x axis (benchmarks)
 * @param series one series per run; each has one bar per group
 */
public record BarChart(String title, String caption, List<String> groups, List<Series> series) {
  /** Okabe and Ito (2008) colour-blind-safe palette, "Color Universal Design". */
  private static final String[] PALETTE = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"};

  private static final int BAR = 26;
  private static final int GROUP_GAP = 26;
  private static final int LEFT = 64;
  private static final int RIGHT = 20;
  private static final int TOP = 70;
  private static final int BOTTOM = 56;
  private static final int PLOT_HEIGHT = 260;

  /**
   * One bar: the value and its interval (NaN value: no bar, "n/a").
   *
   * @param value bar height
   * @param low whisker bottom
   * @param high whisker top
   */
  public record Bar(double value, double low, double high) {}

  /**
   * A named series.
   *
   * @param name legend label
   * @param bars one bar per group
   */
  public record Series(String name, List<Bar> bars) {
    public Series {
      bars = List.copyOf(bars);
    }
  }

  public BarChart {
    Ensure.notNull(title, "title");
    Ensure.notNull(caption, "caption");
    Ensure.notEmpty(groups, "groups");
    Ensure.notEmpty(series, "series");
    groups = List.copyOf(groups);
    series = List.copyOf(series);
    for (Series s : series) {
      if (s.bars().size() != groups.size()) {
        throw new ConfigurationException(
            "series " + s.name() + " must have one bar per group (" + groups.size() + "), had " + s.bars().size());
      }
    }
  }

  /** Accuracy with Wilson whiskers, one series per run, groups = union of benchmarks in order. */
  public static BarChart of(String title, List<RunSummary> runs) {
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
    runs.forEach(r -> r.rows().forEach(b -> names.add(b.benchmark())));
    List<String> groups = List.copyOf(names);
    List<Series> series =
        runs.stream()
            .map(r -> new Series(r.label(), groups.stream().map(g -> bar(r, g)).toList()))
            .toList();
    double level =
        runs.stream().flatMap(r -> r.rows().stream()).findFirst().map(b -> b.wilson().level()).orElse(0.95);
    String caption =
        String.format(Locale.ROOT, "bars: accuracy (%%); whiskers: %s%% Wilson interval", pct(level));
    return new BarChart(title, caption, groups, series);
  }

  private static String pct(double level) {
    double v = level * 100;
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static Bar bar(RunSummary r, String benchmark) {
    return r.rows().stream()
        .filter(b -> b.benchmark().equals(benchmark))
        .findFirst()
        .map(b -> new Bar(b.accuracy(), b.wilson().low(), b.wilson().high()))
        .orElse(new Bar(Double.NaN, Double.NaN, Double.NaN));
  }

  /** Pixel width of the chart. */
  public int width() {
    int groupWidth = series.size() * BAR + GROUP_GAP;
    return Math.max(520, LEFT + RIGHT + groups.size() * groupWidth);
  }

  /** Pixel height of the chart. */
  public int height() {
    return TOP + PLOT_HEIGHT + BOTTOM;
  }

  /** The chart as a standalone SVG document. */
  public String toSvg() {
    SvgCanvas c = new SvgCanvas(width(), height(), title);
    draw(c);
    return c.finish();
  }

  /**
   * Writes the chart as PNG, atomically (temporary file renamed over {@code file}).
   *
   * @throws UnsupportedFeatureException when Java2D cannot render text here (no fonts installed)
   */
  public void writePng(Path file) {
    dev.medadapt.core.chart.Png.write(file, width(), height(), this::draw);
  }

  private double yMax() {
    double max = 0;
    for (Series s : series) {
      for (Bar b : s.bars()) {
        if (!Double.isNaN(b.high())) {
          max = Math.max(max, b.high());
        }
        if (!Double.isNaN(b.value())) {
          max = Math.max(max, b.value());
        }
      }
    }
    // round up to the next 0.1 above the highest whisker, at least 0.1, at most 1
    return Math.min(1.0, Math.max(0.1, Math.ceil(max * 10 + 1e-9) / 10));
  }

  private void draw(Canvas c) {
    int w = width();
    double plotLeft = LEFT;
    double plotRight = w - RIGHT;
    double plotTop = TOP;
    double plotBottom = TOP + PLOT_HEIGHT;
    double ymax = yMax();
    c.rect(0, 0, w, height(), "#FFFFFF");
    c.text(w / 2.0, 24, title, 16, Canvas.Anchor.MIDDLE, "#000000", true);

    // legend: one swatch per series, left to right
    double lx = plotLeft;
    for (int s = 0; s < series.size(); s++) {
      c.rect(lx, 38, 12, 12, PALETTE[s % PALETTE.length]);
      String name = series.get(s).name();
      c.text(lx + 16, 48, name, 12, Canvas.Anchor.START, "#000000", false);
      lx += 16 + 7.5 * name.length() + 18;
    }

    // gridlines and y labels every 0.1 (percent)
    int steps = (int) Math.round(ymax * 10);
    for (int i = 0; i <= steps; i++) {
      double v = i / 10.0;
      double y = plotBottom - v / ymax * PLOT_HEIGHT;
      c.line(plotLeft, y, plotRight, y, i == 0 ? "#000000" : "#DDDDDD", 1);
      c.text(plotLeft - 6, y + 4, String.format(Locale.ROOT, "%d%%", Math.round(v * 100)), 11, Canvas.Anchor.END, "#333333", false);
    }
    c.line(plotLeft, plotTop, plotLeft, plotBottom, "#000000", 1);
    c.text(plotLeft - 6, plotTop - 12, "accuracy", 11, Canvas.Anchor.END, "#333333", false);

    double groupWidth = (plotRight - plotLeft) / groups.size();
    for (int g = 0; g < groups.size(); g++) {
      double gx = plotLeft + g * groupWidth;
      double barsWidth = series.size() * BAR;
      double x0 = gx + (groupWidth - barsWidth) / 2;
      for (int s = 0; s < series.size(); s++) {
        Bar b = series.get(s).bars().get(g);
        double x = x0 + s * BAR;
        double cx = x + BAR / 2.0;
        if (Double.isNaN(b.value())) {
          c.text(cx, plotBottom - 4, "n/a", 10, Canvas.Anchor.MIDDLE, "#666666", false);
          continue;
        }
        double top = plotBottom - b.value() / ymax * PLOT_HEIGHT;
        c.rect(x + 2, top, BAR - 4, plotBottom - top, PALETTE[s % PALETTE.length]);
        double labelY = top;
        if (!Double.isNaN(b.low()) && !Double.isNaN(b.high())) {
          double yl = plotBottom - b.low() / ymax * PLOT_HEIGHT;
          double yh = plotBottom - b.high() / ymax * PLOT_HEIGHT;
          c.line(cx, yl, cx, yh, "#000000", 1.5);
          c.line(cx - 5, yl, cx + 5, yl, "#000000", 1.5);
          c.line(cx - 5, yh, cx + 5, yh, "#000000", 1.5);
          labelY = yh;
        }
        c.text(cx, labelY - 4, String.format(Locale.ROOT, "%.1f", b.value() * 100), 9, Canvas.Anchor.MIDDLE, "#000000", false);
      }
      c.text(gx + groupWidth / 2, plotBottom + 18, groups.get(g), 12, Canvas.Anchor.MIDDLE, "#000000", false);
    }
    c.text(w / 2.0, plotBottom + 42, caption, 10, Canvas.Anchor.MIDDLE, "#555555", false);
  }
}
