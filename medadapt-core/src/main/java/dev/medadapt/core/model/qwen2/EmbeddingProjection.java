package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;

/**
 * Token-embedding lookup: int64 ids {@code [B, T]} to float32 rows {@code [B, T, hidden]} of
 * {@code weight [vocab, hidden]}.
 */
public record EmbeddingProjection(NDArray weight) implements Projection {
  @Override
  public NDArray apply(NDArray ids) {
    NDArray e = ids.getNDArrayInternal().embedding(ids, weight, SparseFormat.DENSE).singletonOrThrow();
    return e.getDataType() == DataType.FLOAT32 ? e : e.toType(DataType.FLOAT32, false);
  }
}
