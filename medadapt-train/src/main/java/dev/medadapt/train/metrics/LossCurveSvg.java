package dev.medadapt.train.metrics;

import dev.medadapt.core.chart.Canvas;
import dev.medadapt.core.chart.Canvas.Anchor;
import dev.medadapt.core.chart.Png;
import dev.medadapt.core.chart.SvgCanvas;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * Draws train and eval loss against the optimizer step, as a standalone SVG 1.1 document or as PNG, from one layout.
 * The SVG depends only on the input (fixed size, fixed number formatting), so the same metrics give the same bytes.
 */
public final class LossCurveSvg {
  private static final int W = 800;
  private static final int H = 450;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;
  private static final String BLACK = "#000000";
  private static final String TRAIN = "#1f77b4";
  private static final String EVAL = "#ff7f0e";

  private LossCurveSvg() {}

  /** The SVG text for {@code metrics}; non-finite losses are left out (and said so in the subtitle). */
  public static String render(List<StepMetrics> metrics, String title) {
    SvgCanvas c = new SvgCanvas(W, H, title);
    draw(c, metrics, title);
    return c.finish();
  }

  /**
   * Writes the same chart as PNG (Java2D, headless), atomically.
   *
   * @throws dev.medadapt.core.UnsupportedFeatureException when Java2D cannot render here (no fonts)
   */
  public static void writePng(Path file, List<StepMetrics> metrics, String title) {
    Png.write(file, W, H, c -> draw(c, metrics, title));
  }

  private static void draw(Canvas c, List<StepMetrics> metrics, String title) {
    List<double[]> train = new ArrayList<>();
    List<double[]> eval = new ArrayList<>();
    int skipped = 0;
    for (StepMetrics m : metrics) {
      if (Double.isFinite(m.loss())) {
        train.add(new double[] {m.step(), m.loss()});
      } else {
        skipped++;
      }
      if (m.evalLoss() != null && Double.isFinite(m.evalLoss())) {
        eval.add(new double[] {m.step(), m.evalLoss()});
      }
    }
    double xMin = Double.POSITIVE_INFINITY;
    double xMax = Double.NEGATIVE_INFINITY;
    double yMin = Double.POSITIVE_INFINITY;
    double yMax = Double.NEGATIVE_INFINITY;
    for (List<double[]> series : List.of(train, eval)) {
      for (double[] p : series) {
        xMin = Math.min(xMin, p[0]);
        xMax = Math.max(xMax, p[0]);
        yMin = Math.min(yMin, p[1]);
        yMax = Math.max(yMax, p[1]);
      }
    }
    boolean empty = train.isEmpty() && eval.isEmpty();
    if (empty) {
      xMin = 0;
      xMax = 1;
      yMin = 0;
      yMax = 1;
    }
    if (xMax == xMin) {
      xMax = xMin + 1;
    }
    if (yMax == yMin) {
      yMax = yMin + 1;
    }
    double[] yTicks = niceTicks(yMin, yMax, 5);
    yMin = Math.min(yMin, yTicks[0]);
    yMax = Math.max(yMax, yTicks[yTicks.length - 1]);
    double[] xTicks = niceTicks(xMin, xMax, 6);
    final double x0 = xMin;
    final double x1 = xMax;
    final double y0 = yMin;
    final double y1 = yMax;
    int pw = W - LEFT - RIGHT;
    int ph = H - TOP - BOTTOM;
    DoubleUnaryOperator sx = x -> LEFT + (x - x0) / (x1 - x0) * pw;
    DoubleUnaryOperator sy = y -> TOP + ph - (y - y0) / (y1 - y0) * ph;

    c.rect(0, 0, W, H, "#ffffff");
    c.text(LEFT, 20, title, 15, Anchor.START, BLACK, false);
    if (skipped > 0 || empty) {
      c.text(LEFT, 34, empty ? "no finite loss values" : skipped + " non-finite loss value(s) not drawn", 12,
          Anchor.START, "#aa0000", false);
    }
    for (double t : yTicks) {
      double y = sy.applyAsDouble(t);
      c.line(LEFT, y, W - RIGHT, y, "#dddddd", 1);
      c.text(LEFT - 6, y + 4, fmt(t), 12, Anchor.END, BLACK, false);
    }
    for (double t : xTicks) {
      if (t < x0 || t > x1) {
        continue;
      }
      double x = sx.applyAsDouble(t);
      c.line(x, TOP + ph, x, TOP + ph + 5, BLACK, 1);
      c.text(x, TOP + ph + 20, fmt(t), 12, Anchor.MIDDLE, BLACK, false);
    }
    c.line(LEFT, TOP, LEFT + pw, TOP, BLACK, 1);
    c.line(LEFT, TOP + ph, LEFT + pw, TOP + ph, BLACK, 1);
    c.line(LEFT, TOP, LEFT, TOP + ph, BLACK, 1);
    c.line(LEFT + pw, TOP, LEFT + pw, TOP + ph, BLACK, 1);
    c.text(LEFT + pw / 2.0, H - 10, "optimizer step", 12, Anchor.MIDDLE, BLACK, false);
    c.text(LEFT - 6, TOP - 6, "loss", 12, Anchor.END, BLACK, false);
    series(c, train, sx, sy, TRAIN, "train");
    series(c, eval, sx, sy, EVAL, "eval");
    int lx = W - RIGHT - 110;
    c.line(lx, TOP + 14, lx + 20, TOP + 14, TRAIN, 2);
    c.text(lx + 26, TOP + 18, "train loss", 12, Anchor.START, BLACK, false);
    c.line(lx, TOP + 32, lx + 20, TOP + 32, EVAL, 2);
    c.text(lx + 26, TOP + 36, "eval loss", 12, Anchor.START, BLACK, false);
  }

  private static void series(Canvas c, List<double[]> pts, DoubleUnaryOperator sx, DoubleUnaryOperator sy,
      String color, String id) {
    if (pts.isEmpty()) {
      return;
    }
    double[] xs = new double[pts.size()];
    double[] ys = new double[pts.size()];
    for (int i = 0; i < pts.size(); i++) {
      xs[i] = sx.applyAsDouble(pts.get(i)[0]);
      ys[i] = sy.applyAsDouble(pts.get(i)[1]);
    }
    c.polyline(xs, ys, color, 2, id);
    for (int i = 0; i < xs.length; i++) {
      c.circle(xs[i], ys[i], 2, color);
    }
  }

  /** About {@code n} round tick values (1, 2, 5 × 10^k steps) covering [lo, hi]. */
  static double[] niceTicks(double lo, double hi, int n) {
    double raw = (hi - lo) / n;
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double norm = raw / mag;
    double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
    double start = Math.floor(lo / step) * step;
    double end = Math.ceil(hi / step) * step;
    int count = (int) Math.round((end - start) / step) + 1;
    double[] t = new double[count];
    for (int i = 0; i < count; i++) {
      t[i] = start + i * step;
    }
    return t;
  }

  private static String fmt(double v) {
    if (Math.abs(v) >= 1000 || v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }
}
