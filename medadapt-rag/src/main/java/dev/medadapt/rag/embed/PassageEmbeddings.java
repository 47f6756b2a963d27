package dev.medadapt.rag.embed;

import dev.medadapt.core.ModelFormatException;
import dev.medadapt.rag.chunk.Chunk;
import java.util.ArrayList;
import java.util.List;

/** Passage vectors as every index writer (local Lucene, SolrCloud) makes them: embedded, then checked. */
public final class PassageEmbeddings {
  private static final double UNIT_TOLERANCE = 1e-3;

  private PassageEmbeddings() {}

  /**
   * Embeds the chunks' MedRAG {@code contents} with {@code embedder} and checks every vector against {@code info}: the
   * declared dimension, finite values, unit length when declared normalized, and never a zero vector. A bad vector is a
   * {@link ModelFormatException} naming the embedder and the chunk.
   */
  public static List<float[]> embed(Embedder embedder, EmbedderInfo info, List<Chunk> chunks) {
    List<String> texts = new ArrayList<>(chunks.size());
    for (Chunk c : chunks) {
      texts.add(c.contents());
    }
    List<float[]> v = embedder.embedPassages(texts);
    if (v == null || v.size() != chunks.size()) {
      throw new ModelFormatException("embedder " + info.name() + " returned " + (v == null ? "null" : v.size() + " vectors")
          + " for " + chunks.size() + " passages");
    }
    for (int i = 0; i < v.size(); i++) {
      checkVector(v.get(i), info, "chunk " + chunks.get(i).id());
    }
    return v;
  }

  /** Validates one vector against the embedder's declared info; names the embedder and the item. */
  public static void checkVector(float[] v, EmbedderInfo info, String what) {
    if (v == null || v.length != info.dimension()) {
      throw new ModelFormatException("embedding dimension mismatch: embedder " + info.name() + " declares dimension "
          + info.dimension() + " but returned " + (v == null ? "no vector" : v.length + " values") + " for " + what);
    }
    double sq = 0;
    for (float x : v) {
      if (!Float.isFinite(x)) {
        throw new ModelFormatException("embedder " + info.name() + " returned a non-finite value for " + what);
      }
      sq += (double) x * x;
    }
    if (info.normalized() && Math.abs(sq - 1) > UNIT_TOLERANCE) {
      throw new ModelFormatException("embedder " + info.name() + " declares normalized vectors but returned |v| = "
          + Math.sqrt(sq) + " for " + what);
    }
    if (sq == 0) {
      throw new ModelFormatException("embedder " + info.name() + " returned a zero vector for " + what
          + " (cosine similarity is undefined)");
    }
  }
}
