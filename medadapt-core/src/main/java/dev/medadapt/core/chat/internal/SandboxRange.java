package dev.medadapt.core.chat.internal;

import java.util.AbstractList;
import java.util.List;

/**
 * Python's {@code range(stop)} / {@code range(start, stop[, step])} for chat templates, bounded: Jinjava's own
 * {@code range} silently stops at its range limit, so a loop would run fewer times than the template says and
 * the prompt would be cut without a word. This one refuses a range longer than {@link #LIMIT} with
 * {@link TooLong}, which the renderer turns into an error naming the template.
 */
public final class SandboxRange {
  /** Most items one {@code range()} may produce. */
  public static final int LIMIT = 100_000;

  private SandboxRange() {}

  /** The function registered as {@code range} in the sandbox. */
  public static List<Integer> range(Object first, Object... rest) {
    long start = 0;
    long stop;
    long step = 1;
    if (rest == null || rest.length == 0) {
      stop = toLong(first);
    } else {
      start = toLong(first);
      stop = toLong(rest[0]);
      if (rest.length > 1) {
        step = toLong(rest[1]);
      }
      if (rest.length > 2) {
        throw new IllegalArgumentException("range expected at most 3 arguments, got " + (1 + rest.length));
      }
    }
    if (step == 0) {
      throw new IllegalArgumentException("range() arg 3 must not be zero");
    }
    long count = step > 0 ? ceilDiv(stop - start, step) : ceilDiv(start - stop, -step);
    count = Math.max(0, count);
    if (count > LIMIT) {
      throw new TooLong(count);
    }
    final long s = start;
    final long st = step;
    final int n = (int) count;
    return new AbstractList<>() {
      @Override
      public Integer get(int i) {
        return (int) (s + st * i);
      }

      @Override
      public int size() {
        return n;
      }
    };
  }

  private static long ceilDiv(long a, long b) {
    return a <= 0 ? 0 : (a + b - 1) / b;
  }

  private static long toLong(Object o) {
    if (o instanceof Number n) {
      return n.longValue();
    }
    if (o instanceof String s) {
      try {
        return Long.parseLong(s.strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("range() argument is not an integer: '" + s + "'");
      }
    }
    throw new IllegalArgumentException("range() argument is not an integer: " + o);
  }

  /** A {@code range()} longer than {@link #LIMIT}. */
  public static final class TooLong extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long items;

    TooLong(long items) {
      super("range() of " + items + " items exceeds the sandbox limit of " + LIMIT);
      this.items = items;
    }

    /** How many items the range asked for. */
    public long items() {
      return items;
    }
  }
}
