package dev.medadapt.core.chart;

import dev.medadapt.core.MedAdaptException;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.io.AtomicFiles;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/** Renders a drawing through {@link Graphics2DCanvas} (headless Java2D) and writes it as PNG, atomically. */
public final class Png {
  private Png() {}

  /**
   * Draws a {@code width} x {@code height} image with {@code drawing} and writes it to {@code file}.
   *
   * @throws UnsupportedFeatureException when Java2D cannot render here (a JRE without fonts fails inside Font or
   *     FontMetrics); callers that also write SVG can report it and go on
   */
  public static void write(Path file, int width, int height, Consumer<Canvas> drawing) {
    BufferedImage img;
    try {
      img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      try {
        drawing.accept(new Graphics2DCanvas(g));
      } finally {
        g.dispose();
      }
    } catch (RuntimeException | LinkageError | java.awt.AWTError e) {
      throw new UnsupportedFeatureException("cannot render PNG " + file + " with Java2D here: " + e, e);
    }
    try {
      AtomicFiles.write(file, out -> {
        if (!ImageIO.write(img, "png", out)) {
          throw new UnsupportedFeatureException("no PNG writer available in javax.imageio");
        }
      });
    } catch (IOException e) {
      throw new MedAdaptException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
