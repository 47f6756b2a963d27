package dev.medadapt.train.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws train and eval loss against the optimizer step as a standalone SVG 1.1 document. Output depends only on the
 * input (fixed size, fixed number formatting), so the same metrics always give the same bytes.
 */
public final class LossCurveSvg {
  private static final int W = 800;
  private static final int H = 450;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;

  private LossCurveSvg() {}

  /** The SVG text for {@code metrics}; non-finite losses are left out (and said so in the subtitle). */
  public static String render(List<StepMetrics> metrics, String title) {
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
    java.util.function.DoubleUnaryOperator sx = x -> LEFT + (x - x0) / (x1 - x0) * pw;
    java.util.function.DoubleUnaryOperator sy = y -> TOP + ph - (y - y0) / (y1 - y0) * ph;

    StringBuilder sb = new StringBuilder();
    sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
            + " font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H));
    sb.append("<rect x=\"0\" y=\"0\" width=\"").append(W).append("\" height=\"").append(H).append("\" fill=\"white\"/>\n");
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"15\">%s</text>\n", LEFT, escape(title)));
    if (skipped > 0 || empty) {
      sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"34\" fill=\"#a00\">%s</text>\n", LEFT,
          empty ? "no finite loss values" : skipped + " non-finite loss value(s) not drawn"));
    }
    for (double t : yTicks) {
      double y = sy.applyAsDouble(t);
      sb.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" stroke=\"#ddd\"/>"
              + "<text x=\"%d\" y=\"%.2f\" text-anchor=\"end\">%s</text>\n",
          LEFT, y, W - RIGHT, y, LEFT - 6, y + 4, fmt(t)));
    }
    for (double t : xTicks) {
      if (t < x0 || t > x1) {
        continue;
      }
      double x = sx.applyAsDouble(t);
      sb.append(String.format(Locale.ROOT,
          "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#000\"/>"
              + "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
          x, TOP + ph, x, TOP + ph + 5, x, TOP + ph + 20, fmt(t)));
    }
    sb.append(String.format(Locale.ROOT,
        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#000\"/>\n", LEFT, TOP, pw, ph));
    sb.append(String.format(Locale.ROOT,
        "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">optimizer step</text>\n", LEFT + pw / 2.0, H - 10));
    sb.append(String.format(Locale.ROOT,
        "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 16 %.1f)\">loss</text>\n",
        TOP + ph / 2.0, TOP + ph / 2.0));
    polyline(sb, train, sx, sy, "#1f77b4", "train");
    polyline(sb, eval, sx, sy, "#ff7f0e", "eval");
    // legend
    int lx = W - RIGHT - 110;
    sb.append(String.format(Locale.ROOT,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1f77b4\" stroke-width=\"2\"/>"
            + "<text x=\"%d\" y=\"%d\">train loss</text>\n", lx, TOP + 14, lx + 20, TOP + 14, lx + 26, TOP + 18));
    sb.append(String.format(Locale.ROOT,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ff7f0e\" stroke-width=\"2\"/>"
            + "<text x=\"%d\" y=\"%d\">eval loss</text>\n", lx, TOP + 32, lx + 20, TOP + 32, lx + 26, TOP + 36));
    sb.append("</svg>\n");
    return sb.toString();
  }

  private static void polyline(
      StringBuilder sb, List<double[]> pts, java.util.function.DoubleUnaryOperator sx,
      java.util.function.DoubleUnaryOperator sy, String color, String id) {
    if (pts.isEmpty()) {
      return;
    }
    sb.append("<polyline id=\"").append(id).append("\" fill=\"none\" stroke=\"").append(color)
        .append("\" stroke-width=\"2\" points=\"");
    for (int i = 0; i < pts.size(); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(String.format(Locale.ROOT, "%.2f,%.2f", sx.applyAsDouble(pts.get(i)[0]), sy.applyAsDouble(pts.get(i)[1])));
    }
    sb.append("\"/>\n");
    for (double[] p : pts) {
      sb.append(String.format(Locale.ROOT, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2\" fill=\"%s\"/>\n",
          sx.applyAsDouble(p[0]), sy.applyAsDouble(p[1]), color));
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

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
