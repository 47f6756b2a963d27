package dev.medadapt.core;

import java.util.Collection;

/**
 * Argument checks shared by all builders, so that every module reports a bad value the same way:
 * {@code "loraRank must be in [1, 1024], was 0"}.
 */
public final class Ensure {
  private Ensure() {}

  public static <T> T notNull(T value, String name) {
    if (value == null) {
      throw new ConfigurationException(name + " must be set");
    }
    return value;
  }

  public static String notBlank(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new ConfigurationException(name + " must be a non-blank string, was " + quote(value));
    }
    return value;
  }

  public static <C extends Collection<?>> C notEmpty(C value, String name) {
    if (value == null || value.isEmpty()) {
      throw new ConfigurationException(name + " must not be empty");
    }
    return value;
  }

  public static int between(int value, int min, int max, String name) {
    if (value < min || value > max) {
      throw new ConfigurationException(
          name + " must be in [" + min + ", " + max + "], was " + value);
    }
    return value;
  }

  public static long between(long value, long min, long max, String name) {
    if (value < min || value > max) {
      throw new ConfigurationException(
          name + " must be in [" + min + ", " + max + "], was " + value);
    }
    return value;
  }

  public static double between(double value, double min, double max, String name) {
    if (!(value >= min && value <= max)) {
      throw new ConfigurationException(
          name + " must be in [" + min + ", " + max + "], was " + value);
    }
    return value;
  }

  public static int positive(int value, String name) {
    return between(value, 1, Integer.MAX_VALUE, name);
  }

  public static double positive(double value, String name) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new ConfigurationException(name + " must be a finite number > 0, was " + value);
    }
    return value;
  }

  private static String quote(String s) {
    return s == null ? "null" : '"' + s + '"';
  }
}
