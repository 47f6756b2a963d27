package dev.medadapt.rag.rerank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.rag.retrieve.Hit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The reranker on testdata/rag/tiny-cross-encoder, against logits from make_tiny_onnx.py's numpy pass. */
class OnnxCrossEncoderRerankerTest {
  private static final double TOL = 2e-5;
  private static Path dir;
  private static String query;
  private static final List<String> PASSAGES = new ArrayList<>();
  private static final List<double[]> LOGITS = new ArrayList<>(); // {max64, max24}

  @BeforeAll
  static void load() throws IOException {
    dir = TestResources.testdata("rag/tiny-cross-encoder");
    JsonNode doc = new ObjectMapper().readTree(TestResources.testdata("rag/tiny_expected.json").toFile());
    for (JsonNode p : doc.get("cross_encoder")) {
      query = p.get("query").asText();
      PASSAGES.add(p.get("passage").asText());
      LOGITS.add(new double[] {p.get("max64").get("logit").asDouble(), p.get("max24").get("logit").asDouble()});
    }
  }

  private static OnnxCrossEncoderReranker.Builder builder() {
    return OnnxCrossEncoderReranker.builder().modelPath(dir.resolve("model.onnx")).tokenizerPath(dir.resolve("tokenizer.json"));
  }

  @Test
  void rawLogitsMatchTheReferenceWithAndWithoutTruncation() {
    try (OnnxCrossEncoderReranker r = builder().activation(OnnxCrossEncoderReranker.Activation.RAW).maxLength(64).batchSize(2).build()) {
      double[] s = r.score(query, PASSAGES);
      for (int i = 0; i < PASSAGES.size(); i++) {
        assertThat(s[i]).as(PASSAGES.get(i)).isCloseTo(LOGITS.get(i)[0], within(TOL));
      }
    }
    try (OnnxCrossEncoderReranker r = builder().activation(OnnxCrossEncoderReranker.Activation.RAW).maxLength(24).build()) {
      double[] s = r.score(query, PASSAGES);
      for (int i = 0; i < PASSAGES.size(); i++) {
        assertThat(s[i]).as(PASSAGES.get(i)).isCloseTo(LOGITS.get(i)[1], within(TOL));
      }
      // the long passage is actually cut at 24 tokens: its logit differs from the untruncated one
      assertThat(Math.abs(LOGITS.get(4)[0] - LOGITS.get(4)[1])).isGreaterThan(1e-3);
    }
  }

  @Test
  void rerankOrdersBySigmoidScoreAndKeepsK() {
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < PASSAGES.size(); i++) {
      // empty titles: the passage alone is scored
      hits.add(new Hit("doc" + i, "", PASSAGES.get(i), -i));
    }
    List<Integer> expectedOrder = new ArrayList<>(List.of(0, 1, 2, 3, 4));
    expectedOrder.sort((a, b) -> Double.compare(LOGITS.get(b)[0], LOGITS.get(a)[0]));
    try (OnnxCrossEncoderReranker r = builder().maxLength(64).build()) {
      List<Hit> top = r.rerank(query, hits, 3);
      assertThat(top).extracting(Hit::id)
          .containsExactly("doc" + expectedOrder.get(0), "doc" + expectedOrder.get(1), "doc" + expectedOrder.get(2));
      for (Hit h : top) {
        int i = Integer.parseInt(h.id().substring(3));
        assertThat(h.score()).isCloseTo(1 / (1 + Math.exp(-LOGITS.get(i)[0])), within(TOL));
        assertThat(h.content()).isEqualTo(PASSAGES.get(i));
      }
      assertThat(r.rerank(query, hits, 10)).hasSize(5);
      assertThat(r.rerank(query, List.of(), 3)).isEmpty();
    }
  }

  @Test
  void titleIsScoredWithTheContent() {
    try (OnnxCrossEncoderReranker r = builder().activation(OnnxCrossEncoderReranker.Activation.RAW).build()) {
      // "Metformin is the first line drug for type 2 diabetes." split into title + content
      Hit h = new Hit("x", "Metformin is the first line drug", "for type 2 diabetes.", 0);
      double withTitle = r.rerank(query, List.of(h), 1).get(0).score();
      assertThat(withTitle).isCloseTo(r.score(query, List.of("Metformin is the first line drug. for type 2 diabetes."))[0], within(1e-9));
    }
  }

  @Test
  void errorsNameTheProblem() {
    assertThatThrownBy(() -> builder().maxLength(2).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("maxLength must be in [4, 8192], was 2");
    Path encoder = TestResources.testdata("rag/tiny-encoder");
    assertThatThrownBy(
            () -> OnnxCrossEncoderReranker.builder()
                .modelPath(encoder.resolve("onnx/model.onnx"))
                .tokenizerPath(encoder.resolve("tokenizer.json"))
                .build())
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("tiny-encoder/onnx/model.onnx")
        .hasMessageContaining("rank 3");
    assertThatThrownBy(() -> builder().modelPath(dir.resolve("absent.onnx")).build())
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("absent.onnx: file not found");
  }
}
