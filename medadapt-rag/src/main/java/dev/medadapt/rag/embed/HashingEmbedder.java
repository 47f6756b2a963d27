package dev.medadapt.rag.embed;

import dev.medadapt.core.Ensure;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A deterministic, model-free embedder: the L2-normalized, signed feature-hashing vector of a
 * text's lower-cased words (the "hashing trick", Weinberger et al., ICML 2009). It captures word
 * overlap only, not meaning; use it as a lexical baseline, for tests and for benchmarks of the
 * index itself, not as a semantic retriever.
 *
 * <pre>{@code
 * Embedder e = new HashingEmbedder(256);
 * float[] v = e.embedQuery("chest pain"); // |v| = 1
 * }</pre>
 */
public final class HashingEmbedder implements Embedder {
  private final EmbedderInfo info;

  /** An embedder of {@code dimension} buckets (in [8, 4096]). */
  public HashingEmbedder(int dimension) {
    Ensure.between(dimension, 8, 4096, "dimension");
    this.info = new EmbedderInfo("hashing-bow-v1", dimension, true, "none");
  }

  @Override
  public EmbedderInfo info() {
    return info;
  }

  @Override
  public List<float[]> embedPassages(List<String> passages) {
    List<float[]> out = new ArrayList<>(passages.size());
    for (String p : passages) {
      out.add(embed(p));
    }
    return out;
  }

  @Override
  public float[] embedQuery(String query) {
    return embed(query);
  }

  private float[] embed(String text) {
    int dim = info.dimension();
    float[] v = new float[dim];
    String s = text.toLowerCase(Locale.ROOT);
    int i = 0;
    int n = s.length();
    while (i < n) {
      while (i < n && !Character.isLetterOrDigit(s.charAt(i))) {
        i++;
      }
      int start = i;
      int h = 0x811c9dc5; // FNV-1a 32-bit offset basis
      while (i < n && Character.isLetterOrDigit(s.charAt(i))) {
        h = (h ^ s.charAt(i)) * 0x01000193; // FNV-1a prime
        i++;
      }
      if (i > start) {
        h ^= h >>> 16; // mix the high bits into the bucket index
        int bucket = Math.floorMod(h, dim);
        v[bucket] += (h & 0x40000000) != 0 ? 1f : -1f;
      }
    }
    double sq = 0;
    for (float x : v) {
      sq += (double) x * x;
    }
    if (sq == 0) {
      v[0] = 1f; // empty text: a fixed unit vector, so every text has a defined cosine
      return v;
    }
    float inv = (float) (1 / Math.sqrt(sq));
    for (int k = 0; k < dim; k++) {
      v[k] *= inv;
    }
    return v;
  }

  @Override
  public void close() {}
}
