package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.quant.internal.DenseKernel;
import dev.medadapt.core.quant.internal.OutputRows;
import dev.medadapt.core.safetensors.DType;
import dev.medadapt.core.safetensors.SafetensorsReader;
import dev.medadapt.core.safetensors.TensorInfo;
import dev.medadapt.core.safetensors.internal.DirectBuffers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;

/**
 * A frozen {@code [rows, cols]} weight of a bfloat16 checkpoint held as its bfloat16 bits outside the Java heap
 * and widened to float32 a range of rows at a time. The widening is exact (a bfloat16 value is the upper half of
 * a float32), so a product over widened rows equals the product over a float32 copy of the weight, at half its
 * memory. For the vocabulary-sized embedding and lm_head of a frozen training base, which are read in row chunks
 * (a gather of token rows; the chunked lm_head loss), this saves 0.93 GB of the 1.5B shape's 7.1 GB float32
 * weights. DJL has no bfloat16 tensor on this engine (one aborts the JVM), hence the host copy.
 *
 * <p>The bits live in direct buffers of at most 1 GiB each; widened rows go through a reused float32 staging
 * buffer ({@link Staging}, which the matrices of one model may share) into a tensor owned by the caller's manager.
 * Thread-safe; {@link #close} frees the buffers.
 */
public final class Bf16Matrix implements AutoCloseable {
  private static final long PART_BYTES = 1L << 30;
  /** Largest staging buffer kept between calls (64 MB): larger requests are widened in pieces. */
  static final int STAGING_FLOATS = 16 << 20;

  private final String name;
  private final long rows;
  private final int cols;
  private final int rowsPerPart;
  private ShortBuffer[] parts;
  private ByteBuffer[] owners;
  private Staging staging;

  /**
   * The float32 buffer that widened rows pass through on their way into a tensor, kept between calls (up to {@link
   * #STAGING_FLOATS}); one may serve many matrices, which take turns. Freed when the last matrix using it closes.
   */
  static final class Staging {
    private ByteBuffer buffer;
    private int users;

    synchronized void retain() {
      users++;
    }

    synchronized void release() {
      if (--users == 0) {
        DirectBuffers.free(buffer);
        buffer = null;
      }
    }

    /** Whether a buffer is allocated (tests). */
    synchronized boolean holdsBuffer() {
      return buffer != null;
    }

    /** A buffer of at least {@code floats} float32 values; the caller holds this object's lock while it uses it. */
    ByteBuffer atLeast(int floats) {
      if (buffer == null || buffer.capacity() < floats * 4L) {
        DirectBuffers.free(buffer);
        buffer = ByteBuffer.allocateDirect(Math.max(floats, Math.min(STAGING_FLOATS, 1 << 20)) * 4)
            .order(ByteOrder.nativeOrder());
      }
      return buffer;
    }
  }

  private Bf16Matrix(String name, long rows, int cols, long partBytes, Staging staging) {
    this.name = name;
    this.rows = rows;
    this.cols = cols;
    this.rowsPerPart = (int) Math.max(1, partBytes / (2L * cols));
    int n = (int) ((rows + rowsPerPart - 1) / rowsPerPart);
    parts = new ShortBuffer[n];
    owners = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      long r = Math.min(rowsPerPart, rows - (long) i * rowsPerPart);
      owners[i] = ByteBuffer.allocateDirect(Math.toIntExact(r * cols * 2)).order(ByteOrder.LITTLE_ENDIAN);
    }
    this.staging = staging;
    staging.retain();
  }

  /**
   * Reads BF16 tensor {@code name} of shape {@code [rows, cols]}.
   *
   * @throws ModelFormatException when the tensor is missing, not BF16 or of another shape
   */
  public static Bf16Matrix read(SafetensorsReader reader, String name, long rows, int cols) {
    return read(reader, name, rows, cols, PART_BYTES, new Staging());
  }

  /** As {@link #read(SafetensorsReader, String, long, int)}, widening rows through {@code staging} (shared). */
  static Bf16Matrix read(SafetensorsReader reader, String name, long rows, int cols, Staging staging) {
    return read(reader, name, rows, cols, PART_BYTES, staging);
  }

  /** As {@link #read(SafetensorsReader, String, long, int)} with buffers of at most {@code partBytes} (tests). */
  static Bf16Matrix read(SafetensorsReader reader, String name, long rows, int cols, long partBytes) {
    return read(reader, name, rows, cols, partBytes, new Staging());
  }

  private static Bf16Matrix read(SafetensorsReader reader, String name, long rows, int cols, long partBytes,
      Staging staging) {
    TensorInfo t = reader.info(name).orElseThrow(() -> new ModelFormatException("tensor " + name + " is missing"));
    if (t.dtype() != DType.BF16) {
      throw new ModelFormatException("tensor " + name + " in " + t.file() + " has dtype " + t.dtype()
          + "; a bfloat16 matrix needs BF16");
    }
    if (!Arrays.equals(t.shape(), new long[] {rows, cols})) {
      throw new ModelFormatException("tensor " + name + " in " + t.file() + " has shape " + t.shapeString()
          + " but config.json implies [" + rows + ", " + cols + "]");
    }
    Bf16Matrix m = new Bf16Matrix(name, rows, cols, partBytes, staging);
    try {
      // The tensor is contiguous: the parts take consecutive row ranges of one ordered read.
      int[] part = {0};
      reader.readRaw(name, chunk -> {
        while (chunk.hasRemaining()) {
          ByteBuffer dst = m.owners[part[0]];
          if (!dst.hasRemaining()) {
            part[0]++;
            continue;
          }
          int n = Math.min(dst.remaining(), chunk.remaining());
          dst.put(chunk.slice().limit(n));
          chunk.position(chunk.position() + n);
        }
      });
      for (int i = 0; i < m.owners.length; i++) {
        m.parts[i] = m.owners[i].clear().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
      }
      return m;
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** Rows (the vocabulary). */
  public long rows() {
    return rows;
  }

  /** Columns (the hidden size). */
  public int cols() {
    return cols;
  }

  /** The checkpoint tensor it holds. */
  public String name() {
    return name;
  }

  /** Rows {@code [from, to)} as a float32 tensor {@code [to - from, cols]} of {@code manager}. */
  public NDArray rows(NDManager manager, long from, long to) {
    return gather(manager, rowIndices(from, to, Long.MAX_VALUE));
  }

  /** The indices {@code from, ..., to - 1}, checked against the matrix and against {@code maxRows} at a time. */
  private long[] rowIndices(long from, long to, long maxRows) {
    if (from < 0 || to > rows || from > to || to - from > maxRows) {
      throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + name + " [" + rows + ", " + cols
          + "]" + (maxRows < Long.MAX_VALUE ? " (at most " + maxRows + " rows at a time)" : ""));
    }
    long[] idx = new long[Math.toIntExact(to - from)];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = from + i;
    }
    return idx;
  }

  /** The bits, or an error naming the matrix when it is closed. */
  private ShortBuffer[] openParts() {
    ShortBuffer[] p = parts;
    if (p == null) {
      throw new IllegalStateException(name + ": matrix closed");
    }
    return p;
  }

  /**
   * Rows {@code indices} as a float32 tensor {@code [indices.length, cols]} of {@code manager}.
   *
   * @throws IndexOutOfBoundsException when an index is outside {@code [0, rows)} (a token id outside the vocabulary)
   */
  public synchronized NDArray gather(NDManager manager, long[] indices) {
    openParts();
    for (long r : indices) {
      if (r < 0 || r >= rows) {
        throw new IndexOutOfBoundsException("row " + r + " of " + name + " [" + rows + ", " + cols + "]");
      }
    }
    int perPiece = Math.max(1, STAGING_FLOATS / cols);
    if (indices.length <= perPiece) {
      return widen(manager, indices, 0, indices.length);
    }
    NDArray[] pieces = new NDArray[(indices.length + perPiece - 1) / perPiece];
    try (NDManager tmp = manager.newSubManager()) {
      for (int k = 0; k < pieces.length; k++) {
        int a = k * perPiece;
        pieces[k] = widen(tmp, indices, a, Math.min(indices.length, a + perPiece));
      }
      NDArray all = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(pieces), 0);
      all.attach(manager);
      return all;
    }
  }

  private NDArray widen(NDManager manager, long[] indices, int from, int to) {
    synchronized (staging) {
      // PyTorch's from_blob reads the staging buffer; the duplicate is a tensor of its own, so the buffer is free.
      try (NDArray blob = widenInto(staging.atLeast((to - from) * cols), manager, indices, from, to)) {
        return blob.duplicate();
      }
    }
  }

  /**
   * {@code product} applied to rows {@code [from, to)} widened to float32, a tensor {@code [to - from, cols]} of
   * {@code manager} over the staging buffer itself: no copy is made, and the tensor is valid only during the call, so
   * {@code product} must return a tensor with memory of its own (a matrix product does), never its argument or a view
   * of it. Holds the staging buffer, which the model's matrices share, until {@code product} returns. What a prompt's
   * product needs: the widened rows are written once and read once.
   */
  NDArray applyToRows(NDManager manager, long from, long to, java.util.function.UnaryOperator<NDArray> product) {
    long[] idx = rowIndices(from, to, Math.max(1, STAGING_FLOATS / cols));
    synchronized (this) {
      openParts();
      synchronized (staging) {
        try (NDManager scope = manager.newSubManager()) {
          NDArray result = product.apply(widenInto(staging.atLeast(idx.length * cols), scope, idx, 0, idx.length));
          result.attach(manager);
          return result;
        }
      }
    }
  }

  /** Rows {@code indices[from, to)} widened into {@code buffer}, and a tensor of {@code manager} over it. */
  private NDArray widenInto(ByteBuffer buffer, NDManager manager, long[] indices, int from, int to) {
    int n = to - from;
    int floats = n * cols;
    IntBuffer out = buffer.clear().asIntBuffer();
    ShortBuffer[] p = parts;
    // A float32's bits are the bfloat16's followed by 16 zero bits; rows split over the cores (a prompt's product
    // widens every layer's weight).
    OutputRows.split(n, (i0, i1) -> {
      short[] row = new short[cols];
      int[] bits = new int[cols];
      for (int i = i0; i < i1; i++) {
        long r = indices[from + i];
        p[(int) (r / rowsPerPart)].get((int) (r % rowsPerPart) * cols, row, 0, cols);
        for (int c = 0; c < cols; c++) {
          bits[c] = row[c] << 16;
        }
        out.put(i * cols, bits, 0, cols);
      }
    });
    return manager.create(buffer.clear().limit(floats * 4).slice().order(ByteOrder.nativeOrder()), new Shape(n, cols),
        DataType.FLOAT32);
  }

  /**
   * {@code y[m * rows + r] = sum_c W[r][c] * x[m * cols + c]} for each of the {@code inputs} rows of {@code x}, on the
   * bits themselves: each weight is widened exactly as it is read (the same values as a float32 copy, summed in
   * another order), four inputs per pass over the rows (more than four: each row widened once for all of them), the
   * rows split over the cores. What a decode step's lm_head needs: it reads half the bytes of a float32 copy.
   *
   * @throws dev.medadapt.core.ConfigurationException when {@code x} or {@code y} does not fit
   * @throws IllegalStateException when the matrix is closed
   */
  public void multiply(float[] x, int inputs, float[] y) {
    ShortBuffer[] bits = openParts();
    int out = Math.toIntExact(rows);
    OutputRows.check(out, cols, x, inputs, y);
    float[][] xs = OutputRows.inputs(x, inputs, cols);
    DenseKernel kernel = DenseKernel.get();
    if (inputs > 4) {
      // A batch: the kernel widens each row once for all inputs.
      OutputRows.split(out, (from, to) -> multiplyRows(kernel, bits, xs, 0, from, to, out, y));
      return;
    }
    OutputRows.split(out, (from, to) -> OutputRows.inTiles(from, to, 2 * cols, xs,
        (four, first, t0, t1) -> multiplyRows(kernel, bits, four, first, t0, t1, out, y),
        (one, m, t0, t1) -> multiplyRows(kernel, bits, new float[][] {one}, m, t0, t1, out, y)));
  }

  /** Rows {@code [from, to)} for the inputs {@code xs} (input {@code first} onwards), part by part. */
  private void multiplyRows(DenseKernel kernel, ShortBuffer[] bits, float[][] xs, int first, int from, int to, int out,
      float[] y) {
    for (int r = from; r < to; ) {
      int p = r / rowsPerPart;
      int end = Math.min(to, (p + 1) * rowsPerPart);
      int local = r - p * rowsPerPart;
      kernel.bf16Rows(bits[p], cols, local, local + end - r, xs, y, first * out + r, out);
      r = end;
    }
  }

  /** Frees the bits, and the staging buffer when no other matrix shares it; idempotent. */
  @Override
  public synchronized void close() {
    if (owners != null) {
      for (ByteBuffer b : owners) {
        DirectBuffers.free(b);
      }
    }
    if (staging != null) {
      staging.release();
    }
    owners = null;
    parts = null;
    staging = null;
  }
}
