package dev.medadapt.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * NDArrays from Java data in PyTorch-owned memory. DJL's {@code create(float[])} wraps a Java direct buffer with
 * {@code from_blob}; tensors that autograd saves for the backward pass must not depend on that buffer's lifetime
 * (training runs showed garbage gradients otherwise), so every array built from Java data is cloned. Not API.
 */
public final class OwnedArrays {
  private OwnedArrays() {}

  public static NDArray of(NDManager m, float[] data, Shape shape) {
    return own(m.create(data, shape));
  }

  public static NDArray of(NDManager m, long[] data, Shape shape) {
    return own(m.create(data, shape));
  }

  private static NDArray own(NDArray blob) {
    NDArray copy = blob.duplicate();
    blob.close();
    return copy;
  }
}
