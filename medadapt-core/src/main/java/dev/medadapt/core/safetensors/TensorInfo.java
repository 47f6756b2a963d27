package dev.medadapt.core.safetensors;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor's entry in a safetensors header.
 *
 * @param name tensor name (e.g. {@code model.layers.0.self_attn.q_proj.weight})
 * @param dtype element type
 * @param shape dimensions (empty for a scalar); not defensively copied by the reader, do not modify
 * @param file the safetensors file that holds the bytes
 * @param dataBegin start of the bytes, relative to the data section
 * @param dataEnd end (exclusive) of the bytes, relative to the data section
 */
public record TensorInfo(String name, DType dtype, long[] shape, Path file, long dataBegin, long dataEnd) {

  /** Number of elements (product of the shape; 1 for a scalar). */
  public long numel() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** Byte length of the data. */
  public long byteLength() {
    return dataEnd - dataBegin;
  }

  /** The shape as {@code [a, b]} for messages. */
  public String shapeString() {
    return Arrays.toString(shape);
  }

  @Override
  public String toString() {
    return name + " " + dtype + shapeString() + " in " + file;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t
        && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
        && file.equals(t.file) && dataBegin == t.dataBegin && dataEnd == t.dataEnd;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }
}
