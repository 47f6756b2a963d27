package dev.medadapt.train;

/**
 * SplitMix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number generators", OOPSLA 2014; the generator
 * behind {@link java.util.SplittableRandom}) with its whole state in one {@code long}, so a checkpoint can store it
 * and a resumed run continues the identical stream. Not thread-safe; one instance per consumer.
 *
 * <p>{@link #derive(long, long...)} makes independent streams from a seed and a path of integers (for example
 * seed, step, micro-batch, module), so dropout masks depend only on where they are used, never on history.
 */
public final class DeterministicRandom {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
  private long state;

  public DeterministicRandom(long seed) {
    this.state = seed;
  }

  /** A generator whose stream is a function of {@code seed} and {@code path} only. */
  public static DeterministicRandom derive(long seed, long... path) {
    long s = mix64(seed);
    for (long p : path) {
      s = mix64(s ^ mix64(p + GOLDEN_GAMMA));
    }
    return new DeterministicRandom(s);
  }

  /** A stable 64-bit hash of a string (FNV-1a, then mixed), for deriving streams from names. */
  public static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return mix64(h);
  }

  /** The state, to checkpoint. */
  public long state() {
    return state;
  }

  public long nextLong() {
    return mix64(state += GOLDEN_GAMMA);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, 1) with 24 random bits. */
  public float nextFloat() {
    return (nextLong() >>> 40) * 0x1.0p-24f;
  }

  /** Uniform integer in [0, bound). */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be > 0, was " + bound);
    }
    // Lemire's multiply-shift without rejection is biased by < bound / 2^32; use rejection for exactness.
    long r;
    long limit = (1L << 32) - ((1L << 32) % bound);
    do {
      r = nextLong() >>> 32;
    } while (r >= limit);
    return (int) (r % bound);
  }

  /** Standard normal via Box-Muller (one value per call, deterministic). */
  public double nextGaussian() {
    double u1 = 1.0 - nextDouble(); // (0, 1]
    double u2 = nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  /** Fisher-Yates shuffle of {@code a} in place. */
  public void shuffle(int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
