package dev.medadapt.rag.embed;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.testing.TestResources;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The default embedder against vectors computed by LangChain4j's AllMiniLmL6V2EmbeddingModel
 * (testdata/rag/minilm_reference.json, written by dev.medadapt.bench.MiniLmReferenceVectors).
 */
class OnnxEmbedderReferenceTest {
  private static OnnxEmbedder embedder;
  private static final List<String> TEXTS = new ArrayList<>();
  private static final List<float[]> EXPECTED = new ArrayList<>();

  @BeforeAll
  static void load() throws Exception {
    embedder = OnnxEmbedder.allMiniLmL6V2();
    JsonNode doc = new ObjectMapper().readTree(TestResources.testdata("rag/minilm_reference.json").toFile());
    for (JsonNode s : doc.get("sentences")) {
      TEXTS.add(s.get("text").asText());
      JsonNode v = s.get("vector");
      float[] f = new float[v.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) v.get(i).asDouble();
      }
      EXPECTED.add(f);
    }
    assertThat(TEXTS).hasSizeGreaterThanOrEqualTo(5);
  }

  @AfterAll
  static void close() {
    embedder.close();
  }

  @Test
  void batchedPassageVectorsMatchTheReference() {
    List<float[]> got = embedder.embedPassages(TEXTS);
    for (int i = 0; i < TEXTS.size(); i++) {
      assertThat(cosine(got.get(i), EXPECTED.get(i))).as(TEXTS.get(i)).isGreaterThanOrEqualTo(0.9999);
      assertThat(maxAbsDiff(got.get(i), EXPECTED.get(i))).as(TEXTS.get(i)).isLessThan(1e-4);
    }
  }

  @Test
  void queryVectorsMatchTheReference() {
    for (int i = 0; i < TEXTS.size(); i++) {
      assertThat(cosine(embedder.embedQuery(TEXTS.get(i)), EXPECTED.get(i))).isGreaterThanOrEqualTo(0.9999);
    }
  }

  @Test
  void describesItself() {
    assertThat(embedder.info()).isEqualTo(new EmbedderInfo("all-MiniLM-L6-v2", 384, true, "mean"));
  }

  @Test
  void differentSentencesAreNotTheReference() {
    // Guards the test above against a comparison that cannot fail.
    assertThat(cosine(embedder.embedQuery(TEXTS.get(0)), EXPECTED.get(3))).isLessThan(0.5);
  }

  static double cosine(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
