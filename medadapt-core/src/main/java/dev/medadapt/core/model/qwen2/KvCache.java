package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Keys and values of past positions for incremental decoding with {@link Qwen2Model#forward}, plus
 * the attention mask and positions of every row seen so far. Owns a sub-manager of the request's
 * manager: closing the cache frees its tensors.
 *
 * <p>On the CPU, single-token decode steps read and write a host copy of the keys and values (Java arrays, see
 * {@link Qwen2Model#forward}) instead of the tensors; each side catches up from the other, for the columns it lacks,
 * only when a step of its kind runs, so a prompt's prefill followed by decoding copies the prompt's columns once, and
 * a cache used only for prompts (scoring) never allocates the host copy.
 *
 * <p>Not thread-safe; one cache per sequence batch.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final int batch;
  private final int kvHeads;
  private final int headDim;
  /** Columns of {@link #keys}/{@link #values} that hold the current keys and values, per layer. */
  private final int[] tensorFilled;
  /** The host copy, per layer {@code [batch][kvHeads][hostCapacity][headDim]}; null until a host step runs. */
  private float[][] hostKeys;
  private float[][] hostValues;
  private int hostCapacity;
  /** Columns of the host copy that hold the current keys and values, per layer. */
  private final int[] hostFilled;
  private boolean closed;
  private long[][] mask; // [batch][length] 1 = real token, 0 = padding
  private final long[] realTokens; // per row: real tokens so far (the next real token's position)
  private int length;

  KvCache(NDManager parent, int layers, int batch, int kvHeads, int headDim) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
    this.batch = batch;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.tensorFilled = new int[layers];
    this.hostFilled = new int[layers];
    this.mask = new long[batch][0];
    this.realTokens = new long[batch];
  }

  /** Rows in the batch. */
  public int batchSize() {
    return batch;
  }

  /** Positions (columns) cached so far, padding included. */
  public int length() {
    return length;
  }

  /** The cache's own manager; tensors that must outlive one step belong here. */
  public NDManager manager() {
    return manager;
  }

  long[][] mask() {
    return mask;
  }

  long[] realTokens() {
    return realTokens;
  }

  /**
   * Writes the new keys/values {@code [B, KV, t, d]} at columns {@code [length, length + t)} of
   * layer {@code layer} and returns views of columns {@code [0, length + t)} on {@code step}'s
   * manager. Buffers grow by doubling, so a long generation reallocates O(log n) times instead of
   * copying the whole cache every step (which fragments the native heap).
   */
  NDArray[] append(int layer, NDArray k, NDArray v, NDManager step) {
    requireOpen();
    syncTensors(layer);
    long t = k.getShape().get(2);
    long need = length + t;
    ensureTensorCapacity(layer, need, k.getDataType());
    NDIndex cols = new NDIndex(":, :, " + length + ":" + need);
    keys[layer].set(cols, k);
    values[layer].set(cols, v);
    tensorFilled[layer] = (int) need;
    NDIndex upTo = new NDIndex(":, :, :" + need);
    return new NDArray[] {keys[layer].get(step, upTo), values[layer].get(step, upTo)};
  }

  private void ensureTensorCapacity(int layer, long need, ai.djl.ndarray.types.DataType type) {
    if (keys[layer] == null || keys[layer].getShape().get(2) < need) {
      long cap = keys[layer] == null ? 0 : keys[layer].getShape().get(2);
      long newCap = Math.max(cap * 2, (need + 255) / 256 * 256);
      keys[layer] = grow(keys[layer], newCap, type, tensorFilled[layer]);
      values[layer] = grow(values[layer], newCap, type, tensorFilled[layer]);
    }
  }

  private NDArray grow(NDArray old, long capacity, ai.djl.ndarray.types.DataType type, int filledColumns) {
    NDArray buf = manager.zeros(new Shape(batch, kvHeads, capacity, headDim), old != null ? old.getDataType() : type);
    if (old != null && filledColumns > 0) {
      NDIndex filled = new NDIndex(":, :, :" + filledColumns);
      try (NDArray part = old.get(filled)) {
        buf.set(filled, part);
      }
    }
    if (old != null) {
      old.close();
    }
    return buf;
  }

  /** Brings layer {@code layer}'s tensors up to {@link #length} columns from the host copy (after host steps). */
  private void syncTensors(int layer) {
    int from = tensorFilled[layer];
    if (from >= length) {
      return;
    }
    ensureTensorCapacity(layer, length, ai.djl.ndarray.types.DataType.FLOAT32);
    int n = length - from;
    NDIndex cols = new NDIndex(":, :, " + from + ":" + length);
    Shape shape = new Shape(batch, kvHeads, n, headDim);
    try (NDArray k = manager.create(hostColumns(hostKeys[layer], from, length), shape);
        NDArray v = manager.create(hostColumns(hostValues[layer], from, length), shape)) {
      keys[layer].set(cols, k);
      values[layer].set(cols, v);
    }
    tensorFilled[layer] = length;
  }

  /** Columns {@code [from, to)} of a host buffer as {@code [batch][kvHeads][to - from][headDim]}. */
  private float[] hostColumns(float[] host, int from, int to) {
    int n = to - from;
    float[] out = new float[batch * kvHeads * n * headDim];
    for (int bh = 0; bh < batch * kvHeads; bh++) {
      System.arraycopy(host, (bh * hostCapacity + from) * headDim, out, bh * n * headDim, n * headDim);
    }
    return out;
  }

  /**
   * Whether a host step can hold {@code columns} columns: the host buffers are Java arrays, so each layer's must stay
   * under 2^31 floats, and growing them must leave room on the Java heap (a long batch's keys and values can outgrow
   * {@code -Xmx}; the tensor path, in native memory, then takes the step).
   */
  boolean hostCapable(int columns) {
    if (hostKeys != null && hostCapacity >= columns) {
      return true;
    }
    long cap = Math.max((long) hostCapacity * 2, (columns + 255L) / 256 * 256);
    long floatsPerLayer = (long) batch * kvHeads * cap * headDim;
    if (floatsPerLayer >= Integer.MAX_VALUE - 8) {
      return false;
    }
    Runtime rt = Runtime.getRuntime();
    long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    return 2L * keys.length * floatsPerLayer * Float.BYTES < free / 2;
  }

  /**
   * Writes one new column (position {@link #length}) of layer {@code layer} from {@code k} and {@code v}, each {@code
   * [batch][kvHeads][headDim]}, into the host copy, first bringing the host copy up to date from the tensors. Read
   * the columns {@code [0, length + 1)} with {@link #hostKeys(int)}, {@link #hostValues(int)} and {@link
   * #hostCapacity()}.
   */
  void appendHost(int layer, float[] k, float[] v) {
    requireOpen();
    ensureHostCapacity(length + 1);
    int from = hostFilled[layer];
    if (from < length) {
      NDIndex cols = new NDIndex(":, :, " + from + ":" + length);
      int n = length - from;
      try (NDArray kt = keys[layer].get(cols); NDArray vt = values[layer].get(cols)) {
        scatterColumns(JavaProduct.floats(kt), hostKeys[layer], from, n);
        scatterColumns(JavaProduct.floats(vt), hostValues[layer], from, n);
      }
    }
    scatterColumns(k, hostKeys[layer], length, 1);
    scatterColumns(v, hostValues[layer], length, 1);
    hostFilled[layer] = length + 1;
  }

  private void scatterColumns(float[] cols, float[] host, int from, int n) {
    for (int bh = 0; bh < batch * kvHeads; bh++) {
      System.arraycopy(cols, bh * n * headDim, host, (bh * hostCapacity + from) * headDim, n * headDim);
    }
  }

  private void ensureHostCapacity(int need) {
    if (hostKeys != null && hostCapacity >= need) {
      return;
    }
    int cap = (int) Math.max((long) hostCapacity * 2, (need + 255L) / 256 * 256);
    float[][] nk = new float[keys.length][];
    float[][] nv = new float[keys.length][];
    for (int l = 0; l < keys.length; l++) {
      nk[l] = new float[batch * kvHeads * cap * headDim];
      nv[l] = new float[batch * kvHeads * cap * headDim];
      if (hostKeys != null && hostFilled[l] > 0) {
        for (int bh = 0; bh < batch * kvHeads; bh++) {
          System.arraycopy(hostKeys[l], bh * hostCapacity * headDim, nk[l], bh * cap * headDim, hostFilled[l] * headDim);
          System.arraycopy(hostValues[l], bh * hostCapacity * headDim, nv[l], bh * cap * headDim,
              hostFilled[l] * headDim);
        }
      }
    }
    hostKeys = nk;
    hostValues = nv;
    hostCapacity = cap;
  }

  /** Layer {@code layer}'s host keys, {@code [batch][kvHeads][hostCapacity()][headDim]}. */
  float[] hostKeys(int layer) {
    return hostKeys[layer];
  }

  /** Layer {@code layer}'s host values, laid out as {@link #hostKeys}. */
  float[] hostValues(int layer) {
    return hostValues[layer];
  }

  /** Columns per row and head of the host buffers. */
  int hostCapacity() {
    return hostCapacity;
  }

  /**
   * A new cache of {@code copies} rows, each a copy of this one-row cache's keys, values, mask and positions,
   * owned by a sub-manager of {@code parent}: the branches of a shared prefix (each option of a question
   * continues the same cached context). Only the filled columns are copied.
   *
   * @throws IllegalStateException unless this cache holds exactly one row and at least one position
   */
  public KvCache branch(NDManager parent, int copies) {
    requireOpen();
    if (batch != 1 || length == 0) {
      throw new IllegalStateException("only a filled one-row cache can be branched (rows " + batch + ", length " + length + ")");
    }
    KvCache c = new KvCache(parent, keys.length, copies, kvHeads, headDim);
    NDIndex filled = new NDIndex(":, :, :" + length);
    for (int l = 0; l < keys.length; l++) {
      syncTensors(l);
      c.tensorFilled[l] = length;
      c.keys[l] = repeatRows(keys[l], filled, copies, c.manager);
      c.values[l] = repeatRows(values[l], filled, copies, c.manager);
    }
    for (int b = 0; b < copies; b++) {
      c.mask[b] = mask[0].clone();
      c.realTokens[b] = realTokens[0];
    }
    c.length = length;
    return c;
  }

  private static NDArray repeatRows(NDArray buf, NDIndex filled, int copies, NDManager owner) {
    try (NDArray part = buf.get(filled)) {
      NDArray r = part.repeat(0, copies);
      r.attach(owner);
      return r;
    }
  }

  /** Records the new columns' mask after a forward step. */
  void advance(long[][] newMask) {
    int t = newMask[0].length;
    for (int b = 0; b < batch; b++) {
      long[] m = Arrays.copyOf(mask[b], length + t);
      System.arraycopy(newMask[b], 0, m, length, t);
      mask[b] = m;
      for (long x : newMask[b]) {
        realTokens[b] += x != 0 ? 1 : 0;
      }
    }
    length += t;
  }

  @Override
  public void close() {
    manager.close();
    closed = true;
    hostKeys = null; // the host copy can be large (a long batch): free it with the cache, not with the last reference
    hostValues = null;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("this KV cache is closed");
    }
  }
}
