package dev.medadapt.core.quant;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import java.util.Arrays;

/**
 * A tensor stored in bitsandbytes' NF4 layout: 4-bit codes, two per byte (the first element of a
 * pair in the high nibble), one absmax scale per block of {@code blockSize} elements, the scales
 * either as float32 or double-quantized ({@link DoubleQuant}).
 *
 * @param packed {@code ceil(numel / 2)} bytes of codes
 * @param absmax one float32 scale per block, or null when {@code doubleQuant} holds them
 * @param doubleQuant the 8-bit quantized scales, or null
 * @param shape the logical shape (row-major)
 * @param blockSize elements per scale block (64 in QLoRA / bitsandbytes' default)
 */
public record Nf4Tensor(byte[] packed, float[] absmax, DoubleQuant doubleQuant, int[] shape, int blockSize) {

  public Nf4Tensor {
    Ensure.notNull(packed, "packed");
    Ensure.notNull(shape, "shape");
    shape = shape.clone();
    long n = numel(shape);
    Ensure.between(blockSize, 2, 1 << 20, "blockSize");
    long blocks = (n + blockSize - 1) / blockSize;
    if (packed.length != (n + 1) / 2) {
      throw new ConfigurationException(
          "packed must hold " + ((n + 1) / 2) + " bytes for shape " + Arrays.toString(shape) + ", was " + packed.length);
    }
    if ((absmax == null) == (doubleQuant == null)) {
      throw new ConfigurationException("exactly one of absmax and doubleQuant must be set");
    }
    if (absmax != null && absmax.length != blocks) {
      throw new ConfigurationException("absmax must hold " + blocks + " values, was " + absmax.length);
    }
    if (doubleQuant != null && doubleQuant.codes().length != blocks) {
      throw new ConfigurationException(
          "doubleQuant must hold " + blocks + " codes, was " + doubleQuant.codes().length);
    }
  }

  /**
   * Double-quantized absmax values (bitsandbytes {@code compress_statistics=True}): the block scales
   * minus their mean {@code offset}, quantized blockwise ({@code nestedBlockSize} = 256) to 8-bit
   * indices into bitsandbytes' signed dynamic map, with one float32 scale per nested block.
   * A block's scale is {@code code[codes[b] & 0xff] * nestedAbsmax[b / nestedBlockSize] + offset}.
   *
   * @param codes one 8-bit index per block
   * @param nestedAbsmax one float32 scale per {@code nestedBlockSize} blocks
   * @param offset the mean of the original absmax values
   * @param nestedBlockSize blocks per nested scale (256)
   */
  public record DoubleQuant(byte[] codes, float[] nestedAbsmax, float offset, int nestedBlockSize) {
    public DoubleQuant {
      Ensure.notNull(codes, "codes");
      Ensure.notNull(nestedAbsmax, "nestedAbsmax");
      Ensure.between(nestedBlockSize, 2, 1 << 20, "nestedBlockSize");
      int expected = (codes.length + nestedBlockSize - 1) / nestedBlockSize;
      if (nestedAbsmax.length != expected) {
        throw new ConfigurationException(
            "nestedAbsmax must hold " + expected + " values, was " + nestedAbsmax.length);
      }
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof DoubleQuant d
          && nestedBlockSize == d.nestedBlockSize
          && Float.compare(offset, d.offset) == 0
          && Arrays.equals(codes, d.codes)
          && Arrays.equals(nestedAbsmax, d.nestedAbsmax);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(codes) + Float.hashCode(offset);
    }

    @Override
    public String toString() {
      return "DoubleQuant[blocks=" + codes.length + ", nestedBlockSize=" + nestedBlockSize + ", offset=" + offset + "]";
    }
  }

  /** Number of elements. */
  public long numel() {
    return numel(shape);
  }

  /** Number of scale blocks. */
  public int blocks() {
    return (int) ((numel() + blockSize - 1) / blockSize);
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Bytes held (codes + scales), for memory reports. */
  public long sizeInBytes() {
    long bytes = packed.length;
    if (absmax != null) {
      bytes += 4L * absmax.length;
    } else {
      bytes += doubleQuant.codes().length + 4L * doubleQuant.nestedAbsmax().length + 4;
    }
    return bytes;
  }

  private static long numel(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new ConfigurationException("shape dimensions must be >= 0, was " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new ConfigurationException(
          "NF4 tensors are limited to " + (Integer.MAX_VALUE - 8) + " elements, shape " + Arrays.toString(shape) + " has " + n);
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Nf4Tensor t
        && blockSize == t.blockSize
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(packed, t.packed)
        && Arrays.equals(absmax, t.absmax)
        && java.util.Objects.equals(doubleQuant, t.doubleQuant);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(packed);
  }

  @Override
  public String toString() {
    return "Nf4Tensor[shape=" + Arrays.toString(shape) + ", blockSize=" + blockSize
        + (doubleQuant != null ? ", doubleQuant" : "") + ", bytes=" + sizeInBytes() + "]";
  }
}
