package dev.medadapt.core.safetensors;

import java.util.Arrays;
import java.util.Optional;

/**
 * Element types of the safetensors format, by their header names (see the format description in
 * huggingface/safetensors {@code README.md}, "Format").
 */
public enum DType {
  F64(8),
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4),
  I16(2),
  I8(1),
  U64(8),
  U32(4),
  U16(2),
  U8(1),
  BOOL(1);

  private final int byteSize;

  DType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether {@link SafetensorsReader#readFloats} can widen this type to float32. */
  public boolean isFloating() {
    return this == F32 || this == F16 || this == BF16;
  }

  /** The type named {@code name} in a header, if known. */
  public static Optional<DType> byName(String name) {
    return Arrays.stream(values()).filter(d -> d.name().equals(name)).findFirst();
  }
}
