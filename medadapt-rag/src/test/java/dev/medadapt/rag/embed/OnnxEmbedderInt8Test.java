package dev.medadapt.rag.embed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The int8 all-MiniLM-L6-v2 preset against the fp32 one (the int8 jar is a test dependency of this module). */
class OnnxEmbedderInt8Test {
  private static final List<String> TEXTS = List.of(
      "What are the symptoms of type 2 diabetes?",
      "Metformin is the first-line drug for type 2 diabetes; it lowers hepatic glucose production.",
      "Glaucoma is a group of diseases that can damage the eye's optic nerve and result in vision loss and blindness.",
      "Chest pain radiating to the left arm with sweating suggests acute myocardial infarction.",
      "The Hodgkin lymphoma staging system");

  @Test
  void int8VectorsAreCloseToFp32AndKeepTheNearestNeighbours() {
    try (OnnxEmbedder fp32 = OnnxEmbedder.allMiniLmL6V2(); OnnxEmbedder int8 = OnnxEmbedder.allMiniLmL6V2Int8()) {
      assertThat(int8.info().name()).isEqualTo("all-MiniLM-L6-v2-int8");
      assertThat(int8.info().dimension()).isEqualTo(384);
      List<float[]> a = fp32.embedPassages(TEXTS);
      List<float[]> b = int8.embedPassages(TEXTS);
      for (int i = 0; i < TEXTS.size(); i++) {
        assertThat(dot(a.get(i), b.get(i))).as("text %d", i).isGreaterThan(0.95).isLessThan(0.99999);
        assertThat(dot(b.get(i), b.get(i))).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-4));
      }
      // The diabetes question retrieves the diabetes passage with both models.
      float[] q = int8.embedQuery(TEXTS.get(0));
      int best = -1;
      double bestScore = -2;
      for (int i = 1; i < TEXTS.size(); i++) {
        double s = dot(q, b.get(i));
        if (s > bestScore) {
          bestScore = s;
          best = i;
        }
      }
      assertThat(best).isEqualTo(1);
    }
  }

  private static double dot(float[] x, float[] y) {
    double s = 0;
    for (int i = 0; i < x.length; i++) {
      s += (double) x[i] * y[i];
    }
    return s;
  }
}
