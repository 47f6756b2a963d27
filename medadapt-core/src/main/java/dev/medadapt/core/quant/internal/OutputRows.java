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

  /**
   * The {@code rows} inputs of {@code in} floats each that {@code x} holds row-major, one array per input ({@code x}
   * itself when there is one). The products read them and never write them.
   */
  public static float[][] inputs(float[] x, int rows, int in) {
    float[][] xs = new float[rows][];
    for (int m = 0; m < rows; m++) {
      xs[m] = rows == 1 ? x : java.util.Arrays.copyOfRange(x, m * in, (m + 1) * in);
    }
    return xs;
  }

  /** Bytes of weight codes per tile of a product on several inputs: well inside a core's L2 cache. */
  private static final int TILE_BYTES = 64 << 10;

  /** One pass of a product over the weight rows {@code [rowFrom, rowTo)} for four inputs. */
  @FunctionalInterface
  public interface FourInputs {
    void run(float[][] x, int firstInput, int rowFrom, int rowTo);
  }

  /** One pass of a product over the weight rows {@code [rowFrom, rowTo)} for one input. */
  @FunctionalInterface
  public interface OneInput {
    void run(float[] x, int input, int rowFrom, int rowTo);
  }

  /**
   * Runs the weight rows {@code [rowFrom, rowTo)} of a product on the inputs {@code x}: four inputs per pass
   * ({@code four}, each weight row read once for the four), then {@code one} for each input left over. With more
   * than four inputs the rows go in tiles of {@link #TILE_BYTES} ({@code rowBytes} bytes of codes per row), every input
   * over one tile before the next, so a tile is read from memory once and from cache for the rest.
   */
  public static void inTiles(int rowFrom, int rowTo, int rowBytes, float[][] x, FourInputs four, OneInput one) {
    float[][][] groups = new float[x.length / 4][][];
    for (int g = 0; g < groups.length; g++) {
      groups[g] = java.util.Arrays.copyOfRange(x, 4 * g, 4 * g + 4);
    }
    int tile = x.length <= 4 ? Math.max(1, rowTo - rowFrom)
        : Math.max(1, Math.min(rowTo - rowFrom, TILE_BYTES / Math.max(1, rowBytes)));
    for (int t0 = rowFrom; t0 < rowTo; t0 += tile) {
      int t1 = Math.min(rowTo, t0 + tile);
      for (int g = 0; g < groups.length; g++) {
        four.run(groups[g], 4 * g, t0, t1);
      }
      for (int m = 4 * groups.length; m < x.length; m++) {
        one.run(x[m], m, t0, t1);
      }
    }
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
