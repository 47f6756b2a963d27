package dev.medadapt.core.model;

import dev.medadapt.core.llm.GenerationOptions;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Picks the next token from logits: argmax when greedy, else temperature, then top-k, then top-p
 * (nucleus) filtering, then a draw from {@code rng}; the order of Hugging Face's logits warpers
 * (TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper). Pure Java, float64 arithmetic.
 */
public final class Sampler {
  private final GenerationOptions options;

  public Sampler(GenerationOptions options) {
    this.options = options;
  }

  /** Index of the first maximum of {@code logits[off, off+n)}. */
  public static int argmax(float[] logits, int off, int n) {
    int best = 0;
    for (int j = 1; j < n; j++) {
      if (logits[off + j] > logits[off + best]) {
        best = j;
      }
    }
    return best;
  }

  /** The next token for the row {@code logits[off, off+n)}. */
  public int next(float[] logits, int off, int n, RandomGenerator rng) {
    if (options.isGreedy()) {
      return argmax(logits, off, n);
    }
    Integer[] idx = new Integer[n];
    double[] scaled = new double[n];
    for (int j = 0; j < n; j++) {
      idx[j] = j;
      scaled[j] = logits[off + j] / options.temperature();
    }
    // Descending by logit; ties by index so the order (and the draw) is deterministic.
    Arrays.sort(idx, (a, b) -> scaled[a] != scaled[b] ? Double.compare(scaled[b], scaled[a]) : Integer.compare(a, b));
    int keep = options.topK() > 0 ? Math.min(options.topK(), n) : n;
    double max = scaled[idx[0]];
    double[] p = new double[keep];
    double z = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp(scaled[idx[i]] - max);
      z += p[i];
    }
    for (int i = 0; i < keep; i++) {
      p[i] /= z;
    }
    if (options.topP() < 1.0) {
      // Smallest prefix whose mass reaches top_p (always at least one token).
      double cum = 0;
      int k = 0;
      while (k < keep) {
        cum += p[k++];
        if (cum >= options.topP()) {
          break;
        }
      }
      keep = k;
      double zz = 0;
      for (int i = 0; i < keep; i++) {
        zz += p[i];
      }
      for (int i = 0; i < keep; i++) {
        p[i] /= zz;
      }
    }
    double u = rng.nextDouble();
    double cum = 0;
    for (int i = 0; i < keep; i++) {
      cum += p[i];
      if (u < cum) {
        return idx[i];
      }
    }
    return idx[keep - 1];
  }
}
