package dev.medadapt.rag.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.EmbedderInfo;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Embedder} promises: one finite vector of {@code info().dimension()} per passage in input order,
 * unit length when {@code info().normalized()}, the same vector for a passage whether it is embedded alone or in a
 * batch with longer ones (padding must not leak), the same vector on every call, and nothing for nothing.
 */
public abstract class EmbedderContract {
  private static final List<String> PASSAGES = List.of(
      "Metformin is the first-line drug for type 2 diabetes.",
      "Scurvy is caused by a lack of vitamin C, which the body needs to make collagen; bleeding gums follow.",
      "Asthma.",
      "High blood pressure is treated with lifestyle changes and, when needed, drug therapy of several classes.");

  protected Embedder embedder;

  protected abstract Embedder create() throws Exception;

  /** Largest difference allowed between a vector computed alone and in a padded batch. */
  protected double batchTolerance() {
    return 1e-5;
  }

  @BeforeEach
  void open() throws Exception {
    embedder = create();
  }

  @AfterEach
  void closeEmbedder() {
    embedder.close();
  }

  @Test
  void describesItself() {
    EmbedderInfo info = embedder.info();
    assertThat(info.name()).isNotBlank();
    assertThat(info.dimension()).isPositive();
  }

  @Test
  void oneFiniteVectorPerPassageOfTheStatedDimension() {
    List<float[]> vs = embedder.embedPassages(PASSAGES);
    assertThat(vs).hasSize(PASSAGES.size());
    for (float[] v : vs) {
      assertThat(v).hasSize(embedder.info().dimension());
      double norm = 0;
      for (float x : v) {
        assertThat(Float.isFinite(x)).isTrue();
        norm += (double) x * x;
      }
      if (embedder.info().normalized()) {
        assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-4));
      }
    }
    assertThat(embedder.embedQuery("first-line drug for diabetes")).hasSize(embedder.info().dimension());
  }

  @Test
  void aPassageGetsTheSameVectorAloneAndInABatch() {
    List<float[]> batch = embedder.embedPassages(PASSAGES);
    for (int i = 0; i < PASSAGES.size(); i++) {
      float[] alone = embedder.embedPassages(List.of(PASSAGES.get(i))).get(0);
      for (int d = 0; d < alone.length; d++) {
        assertThat((double) batch.get(i)[d]).as("passage %d, dimension %d", i, d)
            .isCloseTo(alone[d], within(batchTolerance()));
      }
    }
  }

  @Test
  void vectorsAreRepeatableInOrder() {
    List<float[]> a = embedder.embedPassages(PASSAGES);
    List<float[]> reversed = embedder.embedPassages(reverse(PASSAGES));
    for (int i = 0; i < PASSAGES.size(); i++) {
      float[] x = a.get(i);
      float[] y = reversed.get(PASSAGES.size() - 1 - i);
      for (int d = 0; d < x.length; d++) {
        assertThat((double) y[d]).isCloseTo(x[d], within(batchTolerance()));
      }
    }
    assertThat(embedder.embedPassages(List.of())).isEmpty();
  }

  private static List<String> reverse(List<String> xs) {
    List<String> r = new java.util.ArrayList<>(xs);
    java.util.Collections.reverse(r);
    return r;
  }
}
