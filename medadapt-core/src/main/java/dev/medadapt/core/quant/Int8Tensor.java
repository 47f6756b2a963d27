package dev.medadapt.core.quant;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.safetensors.internal.HalfFloats;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.stream.IntStream;

/**
 * A 2-D weight {@code [rows, columns]} quantized to 8 bits per output channel (row): {@code W[r][c] ≈ values[r *
 * columns + c] * scales[r]}, with {@code scales[r] = max_c |W[r][c]| / 127} and each value rounded to the nearest
 * integer in [-127, 127] (ties to even). One byte per weight, half of float16, and at most half a step
 * ({@code scales[r] / 2}) of error per weight, against NF4's sixteen levels per block.
 *
 * <pre>{@code
 * Int8Tensor w = Int8Tensor.quantize(weights, 8960, 1536);
 * float[] y = new float[8960];
 * Int8MatMul.multiply(w, x, 1, y);   // x: 1536 floats
 * }</pre>
 */
public final class Int8Tensor {
  private final byte[] values;
  private final float[] scales;
  private final int rows;
  private final int columns;

  private Int8Tensor(byte[] values, float[] scales, int rows, int columns) {
    this.values = values;
    this.scales = scales;
    this.rows = rows;
    this.columns = columns;
  }

  /**
   * Wraps existing codes and scales (not copied).
   *
   * @throws ConfigurationException when the lengths do not match the shape or a scale is negative or not finite
   */
  public static Int8Tensor of(byte[] values, float[] scales, int rows, int columns) {
    Ensure.notNull(values, "values");
    Ensure.notNull(scales, "scales");
    Ensure.positive(rows, "rows");
    Ensure.positive(columns, "columns");
    if ((long) rows * columns != values.length) {
      throw new ConfigurationException("values must hold rows * columns = " + ((long) rows * columns) + " bytes, was "
          + values.length);
    }
    if (scales.length != rows) {
      throw new ConfigurationException("scales must hold one value per row (" + rows + "), was " + scales.length);
    }
    for (int r = 0; r < rows; r++) {
      if (!(scales[r] >= 0) || Float.isInfinite(scales[r])) {
        throw new ConfigurationException("scales[" + r + "] must be finite and >= 0, was " + scales[r]);
      }
    }
    return new Int8Tensor(values, scales, rows, columns);
  }

  /**
   * Quantizes a row-major {@code [rows, columns]} float32 weight, one scale per row.
   *
   * @throws ConfigurationException when the length does not match the shape or a value is not finite (the message
   *     names its row and column)
   */
  public static Int8Tensor quantize(float[] weights, int rows, int columns) {
    Ensure.notNull(weights, "weights");
    Ensure.positive(rows, "rows");
    Ensure.positive(columns, "columns");
    if ((long) rows * columns != weights.length) {
      throw new ConfigurationException("weights has " + weights.length + " values but [" + rows + ", " + columns
          + "] needs " + ((long) rows * columns));
    }
    byte[] q = new byte[weights.length];
    float[] s = new float[rows];
    IntStream.range(0, rows).parallel().forEach(r -> s[r] = quantizeRow(weights, r * columns, columns, r, q, r * columns));
    return new Int8Tensor(q, s, rows, columns);
  }

  /**
   * Quantizes one row, {@code columns} values of {@code src} from {@code srcOffset}, into {@code dst} from {@code
   * dstOffset}, as {@link #quantize} does each row; returns the row's scale. With {@link #of} it builds a tensor a row
   * at a time, for a weight read row by row.
   *
   * @param row the row's index, for the message when a value is not finite
   * @throws ConfigurationException when a value is not finite (naming its row and column)
   */
  public static float quantizeRow(float[] src, int srcOffset, int columns, int row, byte[] dst, int dstOffset) {
    float max = 0;
    for (int c = 0; c < columns; c++) {
      float v = src[srcOffset + c];
      if (!Float.isFinite(v)) {
        throw new ConfigurationException("weight [" + row + ", " + c + "] is " + v + "; int8 needs finite values");
      }
      max = Math.max(max, Math.abs(v));
    }
    float scale = max / 127f;
    for (int c = 0; c < columns; c++) {
      // Divide, not multiply by an inverse: the code is then the float nearest to w / scale, rounded to even. An
      // all-zero row has scale 0 and codes 0.
      dst[dstOffset + c] = scale == 0 ? 0
          : (byte) Math.max(-127, Math.min(127, (int) Math.rint(src[srcOffset + c] / scale)));
    }
    return scale;
  }

  /** The codes, row-major (the tensor's own array). */
  public byte[] values() {
    return values;
  }

  /** One scale per row (the tensor's own array). */
  public float[] scales() {
    return scales;
  }

  public int rows() {
    return rows;
  }

  public int columns() {
    return columns;
  }

  /** The dequantized weight {@code values[r][c] * scales[r]} in float32. */
  public float get(int r, int c) {
    return values[r * columns + c] * scales[r];
  }

  /** Bytes held: the codes plus the float32 scales. */
  public long bytes() {
    return values.length + 4L * scales.length;
  }

  /** Writes the dequantized weight, row-major, into {@code out} from its position 0, split over the cores. */
  public void dequantizeParallel(FloatBuffer out) {
    dequantizeParallel(0, rows, out);
  }

  /** Writes rows {@code [rowFrom, rowTo)} dequantized, row-major, into {@code out} from its position 0. */
  public void dequantizeParallel(int rowFrom, int rowTo, FloatBuffer out) {
    checkRows(rowFrom, rowTo, out.limit());
    inParallel(rowFrom, rowTo, (from, to) -> {
      float[] row = new float[columns];
      for (int r = from; r < to; r++) {
        float s = scales[r];
        int base = r * columns;
        for (int c = 0; c < columns; c++) {
          row[c] = values[base + c] * s;
        }
        out.put((r - rowFrom) * columns, row); // one bulk copy per row
      }
    });
  }

  /**
   * Like {@link #dequantizeParallel(FloatBuffer)}, as float16 bits: each float32 product {@code value * scale}
   * rounded to the nearest half (ties to even), the weight a float16 matrix product sees.
   */
  public void dequantizeHalfParallel(ShortBuffer out) {
    dequantizeHalfParallel(0, rows, out);
  }

  /** {@link #dequantizeHalfParallel(ShortBuffer)} of rows {@code [rowFrom, rowTo)}, into {@code out} from 0. */
  public void dequantizeHalfParallel(int rowFrom, int rowTo, ShortBuffer out) {
    checkRows(rowFrom, rowTo, out.limit());
    inParallel(rowFrom, rowTo, (from, to) -> {
      short[] lut = new short[256];
      short[] row = new short[columns];
      for (int r = from; r < to; r++) {
        float s = scales[r];
        for (int k = -128; k < 128; k++) {
          lut[k & 0xff] = HalfFloats.floatToF16(k * s);
        }
        int base = r * columns;
        for (int c = 0; c < columns; c++) {
          row[c] = lut[values[base + c] & 0xff];
        }
        out.put((r - rowFrom) * columns, row);
      }
    });
  }

  private void checkRows(int rowFrom, int rowTo, int limit) {
    if (rowFrom < 0 || rowTo > rows || rowFrom > rowTo) {
      throw new ConfigurationException("rows [" + rowFrom + ", " + rowTo + ") must lie in [0, " + rows + "]");
    }
    if (limit < (long) (rowTo - rowFrom) * columns) {
      throw new ConfigurationException("out holds " + limit + " elements, needs " + ((long) (rowTo - rowFrom) * columns));
    }
  }

  private interface RowTask {
    void run(int from, int to);
  }

  private void inParallel(int rowFrom, int rowTo, RowTask task) {
    int n = rowTo - rowFrom;
    int parts = (int) Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), (long) n * columns / 65536));
    IntStream.range(0, parts).parallel().forEach(p ->
        task.run(rowFrom + (int) ((long) n * p / parts), rowFrom + (int) ((long) n * (p + 1) / parts)));
  }
}
