package dev.medadapt.core.chart;

import java.util.Locale;

/** Writes SVG 1.1 by hand: fixed number format (Locale.ROOT, 2 decimals) so output is byte-stable. */
public final class SvgCanvas implements Canvas {
  private final StringBuilder sb = new StringBuilder();
  private final int width;
  private final int height;

  public SvgCanvas(int width, int height, String title) {
    this.width = width;
    this.height = height;
    sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").append(width)
        .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
        .append("\" font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\">\n")
        .append("<title>").append(escape(title)).append("</title>\n")
        .append("<rect x=\"0\" y=\"0\" width=\"").append(width).append("\" height=\"").append(height)
        .append("\" fill=\"#ffffff\"/>\n");
  }

  @Override
  public void rect(double x, double y, double w, double h, String fill) {
    sb.append("<rect x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" width=\"").append(f(w))
        .append("\" height=\"").append(f(h)).append("\" fill=\"").append(escape(fill)).append("\"/>\n");
  }

  @Override
  public void line(double x1, double y1, double x2, double y2, String stroke, double width) {
    sb.append("<line x1=\"").append(f(x1)).append("\" y1=\"").append(f(y1)).append("\" x2=\"").append(f(x2))
        .append("\" y2=\"").append(f(y2)).append("\" stroke=\"").append(escape(stroke))
        .append("\" stroke-width=\"").append(f(width)).append("\"/>\n");
  }

  @Override
  public void polyline(double[] xs, double[] ys, String stroke, double width, String id) {
    sb.append("<polyline");
    if (id != null) {
      sb.append(" id=\"").append(escape(id)).append('"');
    }
    sb.append(" fill=\"none\" stroke=\"").append(escape(stroke)).append("\" stroke-width=\"").append(f(width))
        .append("\" points=\"");
    for (int i = 0; i < xs.length; i++) {
      sb.append(i > 0 ? " " : "").append(f(xs[i])).append(',').append(f(ys[i]));
    }
    sb.append("\"/>\n");
  }

  @Override
  public void circle(double cx, double cy, double r, String fill) {
    sb.append("<circle cx=\"").append(f(cx)).append("\" cy=\"").append(f(cy)).append("\" r=\"").append(f(r))
        .append("\" fill=\"").append(escape(fill)).append("\"/>\n");
  }

  @Override
  public void text(double x, double y, String text, double size, Anchor anchor, String fill, boolean bold) {
    sb.append("<text x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" font-size=\"").append(f(size))
        .append("\" text-anchor=\"").append(anchor.name().toLowerCase(Locale.ROOT))
        .append("\" fill=\"").append(escape(fill)).append('"');
    if (bold) {
      sb.append(" font-weight=\"bold\"");
    }
    sb.append('>').append(escape(text)).append("</text>\n");
  }

  /** The finished document. */
  public String finish() {
    return sb + "</svg>\n";
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  private static String f(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  /** XML-escapes text and attribute values; drops characters XML 1.0 forbids. */
  public static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&apos;");
        default -> {
          if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
            if (c != 0xFFFE && c != 0xFFFF) {
              out.append(c);
            }
          }
        }
      }
    }
    return out.toString();
  }
}
