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
 * <p>Not thread-safe; one cache per sequence batch.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final int batch;
  private long[][] mask; // [batch][length] 1 = real token, 0 = padding
  private final long[] realTokens; // per row: real tokens so far (the next real token's position)
  private int length;

  KvCache(NDManager parent, int layers, int batch) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
    this.batch = batch;
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
    long t = k.getShape().get(2);
    long need = length + t;
    if (keys[layer] == null || keys[layer].getShape().get(2) < need) {
      long cap = keys[layer] == null ? 0 : keys[layer].getShape().get(2);
      long newCap = Math.max(cap * 2, (need + 255) / 256 * 256);
      keys[layer] = grow(keys[layer], k, newCap);
      values[layer] = grow(values[layer], v, newCap);
    }
    NDIndex cols = new NDIndex(":, :, " + length + ":" + need);
    keys[layer].set(cols, k);
    values[layer].set(cols, v);
    NDIndex upTo = new NDIndex(":, :, :" + need);
    return new NDArray[] {keys[layer].get(step, upTo), values[layer].get(step, upTo)};
  }

  private NDArray grow(NDArray old, NDArray like, long capacity) {
    Shape s = like.getShape();
    NDArray buf = manager.zeros(new Shape(s.get(0), s.get(1), capacity, s.get(3)), like.getDataType());
    if (old != null && length > 0) {
      NDIndex filled = new NDIndex(":, :, :" + length);
      try (NDArray part = old.get(filled)) {
        buf.set(filled, part);
      }
    }
    if (old != null) {
      old.close();
    }
    return buf;
  }

  /**
   * A new cache of {@code copies} rows, each a copy of this one-row cache's keys, values, mask and positions,
   * owned by a sub-manager of {@code parent}: the branches of a shared prefix (each option of a question
   * continues the same cached context). Only the filled columns are copied.
   *
   * @throws IllegalStateException unless this cache holds exactly one row and at least one position
   */
  public KvCache branch(NDManager parent, int copies) {
    if (batch != 1 || length == 0) {
      throw new IllegalStateException("only a filled one-row cache can be branched (rows " + batch + ", length " + length + ")");
    }
    KvCache c = new KvCache(parent, keys.length, copies);
    NDIndex filled = new NDIndex(":, :, :" + length);
    for (int l = 0; l < keys.length; l++) {
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
  }
}
