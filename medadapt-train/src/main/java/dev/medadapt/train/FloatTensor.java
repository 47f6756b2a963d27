package dev.medadapt.train;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import java.util.Arrays;

/**
 * A dense float32 tensor on the Java heap, row-major: the exchange form of adapter weights and optimizer state
 * between the trainer (DJL NDArrays), checkpoints and PEFT files.
 */
public record FloatTensor(int[] shape, float[] data) {
  public FloatTensor {
    Ensure.notNull(shape, "shape");
    Ensure.notNull(data, "data");
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new ConfigurationException("shape dimensions must be >= 0, was " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n != data.length) {
      throw new ConfigurationException(
          "data.length must equal the product of shape " + Arrays.toString(shape) + " (" + n + "), was " + data.length);
    }
  }

  public static FloatTensor zeros(int... shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return new FloatTensor(shape.clone(), new float[Math.toIntExact(n)]);
  }

  public long size() {
    return data.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FloatTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "FloatTensor" + Arrays.toString(shape);
  }
}
