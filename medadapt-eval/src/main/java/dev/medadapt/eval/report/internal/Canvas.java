package dev.medadapt.eval.report.internal;

/** The few drawing operations a chart needs, so that one layout feeds both SVG and Java2D. */
public interface Canvas {

  /** Text alignment relative to the x coordinate. */
  enum Anchor {
    START,
    MIDDLE,
    END
  }

  void rect(double x, double y, double w, double h, String fill);

  void line(double x1, double y1, double x2, double y2, String stroke, double width);

  /** Draws {@code text} with its baseline at {@code y}. */
  void text(double x, double y, String text, double size, Anchor anchor, String fill, boolean bold);
}
