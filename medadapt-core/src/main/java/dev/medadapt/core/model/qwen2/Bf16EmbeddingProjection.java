package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Token-embedding lookup from a {@link Bf16Matrix}: int64 ids {@code [B, T]} to float32 rows {@code [B, T, hidden]},
 * equal to {@link EmbeddingProjection} over the widened weight. Only the looked-up rows are widened.
 */
public record Bf16EmbeddingProjection(Bf16Matrix weight) implements Projection {
  @Override
  public NDArray apply(NDArray ids) {
    Shape s = ids.getShape();
    NDArray rows = weight.gather(ids.getManager(), ids.toLongArray());
    long[] dims = new long[s.dimension() + 1];
    System.arraycopy(s.getShape(), 0, dims, 0, s.dimension());
    dims[s.dimension()] = weight.cols();
    return rows.reshape(new Shape(dims));
  }
}
