package dev.medadapt.core.quant.internal;

import dev.medadapt.core.ConfigurationException;
import java.util.stream.IntStream;

/** The shape checks and the split over cores that the quantized products share. Not API. */
public final class OutputRows {
  /** Output rows per task below which a product is not split further (thread hand-off costs ~10 µs). */
  private static final int MIN_ROWS_PER_TASK = 64;

  private OutputRows() {}

  /** A range {@code [rowFrom, rowTo)} of output rows. */
  @FunctionalInterface
  public interface Task {
    void run(int rowFrom, int rowTo);
  }

  /**
   * Checks that {@code x} holds {@code rows} inputs of {@code in} floats and {@code y} room for {@code rows * out}.
   *
   * @throws ConfigurationException naming the array that does not fit
   */
  public static void check(int out, int in, float[] x, int rows, float[] y) {
    if (rows < 1 || (long) rows * in != x.length) {
      throw new ConfigurationException("x must hold rows * " + in + " floats with rows >= 1, was " + x.length
          + " for rows " + rows);
    }
    if ((long) rows * out > y.length) {
      throw new ConfigurationException("y must hold " + ((long) rows * out) + " floats, was " + y.length);
    }
  }

  /** Bytes of weight codes per tile of a product on several inputs: well inside a core's L2 cache. */
  private static final int TILE_BYTES = 64 << 10;

  /**
   * Weight rows per tile when {@code inputs} input rows share each pass: all rows at once for a single input (nothing
   * is read twice), else as many rows of {@code rowBytes} bytes as fit {@link #TILE_BYTES}, at least one.
   */
  public static int tileRows(int rowBytes, int inputs) {
    return inputs <= 4 ? Integer.MAX_VALUE : Math.max(1, TILE_BYTES / Math.max(1, rowBytes));
  }

  /** Runs {@code task} over {@code [0, out)} split into one range per core (in this thread when {@code out} is small). */
  public static void split(int out, Task task) {
    int parts = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), out / MIN_ROWS_PER_TASK));
    if (parts == 1) {
      task.run(0, out);
    } else {
      IntStream.range(0, parts).parallel().forEach(p ->
          task.run((int) ((long) out * p / parts), (int) ((long) out * (p + 1) / parts)));
    }
  }
}
