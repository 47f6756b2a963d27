package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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

  NDArray key(int layer) {
    return keys[layer];
  }

  NDArray value(int layer) {
    return values[layer];
  }

  /** Replaces layer {@code layer}'s keys and values, closing the previous ones. */
  void set(int layer, NDArray k, NDArray v) {
    k.attach(manager);
    v.attach(manager);
    if (keys[layer] != null && keys[layer] != k) {
      keys[layer].close();
    }
    if (values[layer] != null && values[layer] != v) {
      values[layer].close();
    }
    keys[layer] = k;
    values[layer] = v;
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
