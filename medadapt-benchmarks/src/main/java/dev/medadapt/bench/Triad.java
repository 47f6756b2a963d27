package dev.medadapt.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * The STREAM triad {@code a[i] = b[i] + s * c[i]} over float arrays far larger than the caches, split over
 * {@code threads} threads: the memory bandwidth a streaming kernel (a decode step reading every weight once)
 * can get on this machine. Bytes are counted as STREAM counts them, 12 per element (two reads, one write;
 * the write-allocate read is not counted).
 */
final class Triad {
  /** 2^27 floats: three 512 MiB arrays, well above any cache of this machine class (the L3 is ~100-500 MB). */
  static final int DEFAULT_FLOATS = 1 << 27;

  private Triad() {}

  /** Best-of-{@code reps} triad bandwidth in bytes/s over {@code n}-float arrays with {@code threads} threads. */
  static double measure(int threads, int n, int reps) throws InterruptedException {
    float[] a = new float[n];
    float[] b = new float[n];
    float[] c = new float[n];
    // Touch every page in the threads that will use it (first touch; also warms up the loop's JIT).
    long[] best = {Long.MAX_VALUE};
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    CyclicBarrier end = new CyclicBarrier(threads + 1);
    List<Thread> workers = new ArrayList<>();
    int rounds = reps + 2;
    for (int t = 0; t < threads; t++) {
      int from = (int) ((long) n * t / threads);
      int to = (int) ((long) n * (t + 1) / threads);
      Thread w = new Thread(() -> {
        try {
          for (int i = from; i < to; i++) {
            b[i] = 1f;
            c[i] = 2f;
          }
          for (int r = 0; r < rounds; r++) {
            start.await();
            triad(a, b, c, 0.5f, from, to);
            end.await();
          }
        } catch (InterruptedException | BrokenBarrierException e) {
          Thread.currentThread().interrupt();
        }
      }, "triad-" + t);
      w.setDaemon(true);
      w.start();
      workers.add(w);
    }
    try {
      for (int r = 0; r < rounds; r++) {
        start.await();
        long t0 = System.nanoTime();
        end.await();
        long ns = System.nanoTime() - t0;
        if (r >= 2) { // the first two rounds warm up the JIT and the page tables
          best[0] = Math.min(best[0], ns);
        }
      }
    } catch (BrokenBarrierException e) {
      throw new IllegalStateException("triad worker failed", e);
    }
    for (Thread w : workers) {
      w.join();
    }
    if (a[n / 2] != 2f) {
      throw new IllegalStateException("triad result wrong: " + a[n / 2]);
    }
    return 12.0 * n / (best[0] / 1e9);
  }

  private static void triad(float[] a, float[] b, float[] c, float s, int from, int to) {
    for (int i = from; i < to; i++) {
      a[i] = b[i] + s * c[i];
    }
  }
}
