package dev.medadapt.core.chart;

/**
 * The few drawing operations MedAdapt's charts need (evaluation bar charts, training loss curves), so that one layout
 * feeds both SVG ({@link SvgCanvas}, byte-stable) and Java2D ({@link Graphics2DCanvas}, for PNG). Colors are
 * {@code #rrggbb}.
 */
public interface Canvas {

  /** Text alignment relative to the x coordinate. */
  enum Anchor {
    START,
    MIDDLE,
    END
  }

  void rect(double x, double y, double w, double h, String fill);

  void line(double x1, double y1, double x2, double y2, String stroke, double width);

  /** An open polyline through the points {@code (xs[i], ys[i])}; {@code id} names it in SVG (may be null). */
  void polyline(double[] xs, double[] ys, String stroke, double width, String id);

  /** A filled circle. */
  void circle(double cx, double cy, double r, String fill);

  /** Draws {@code text} with its baseline at {@code y}. */
  void text(double x, double y, String text, double size, Anchor anchor, String fill, boolean bold);
}
