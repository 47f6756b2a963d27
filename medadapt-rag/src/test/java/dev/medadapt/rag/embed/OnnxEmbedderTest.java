package dev.medadapt.rag.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OnnxEmbedder on the tiny encoders of testdata/rag (make_tiny_onnx.py), whose expected vectors come
 * from an independent float64 numpy forward pass.
 */
class OnnxEmbedderTest {
  private static final double TOL = 2e-5;
  private static JsonNode expected;
  private static List<String> sentences;
  private static Path encoderDir;

  @BeforeAll
  static void load() throws IOException {
    expected = new ObjectMapper().readTree(TestResources.testdata("rag/tiny_expected.json").toFile());
    sentences = new ArrayList<>();
    expected.get("encoder").forEach(r -> sentences.add(r.get("text").asText()));
    encoderDir = TestResources.testdata("rag/tiny-encoder");
  }

  @Test
  void fromDirectoryReadsClsPoolingNormalizationAndPrompts() {
    try (OnnxEmbedder e = OnnxEmbedder.fromDirectory(encoderDir).batchSize(4).build()) {
      assertThat(e.info()).isEqualTo(new EmbedderInfo("tiny-encoder", 8, true, "cls"));
      assertThat(e.maxLength()).isEqualTo(32);
      List<float[]> got = e.embedPassages(sentences);
      for (int i = 0; i < sentences.size(); i++) {
        float[] want = unit(vector(expected.get("encoder").get(i).get("max32").get("cls")));
        assertClose(got.get(i), want, sentences.get(i));
        // the query prompt of config_sentence_transformers.json is prepended to queries only
        assertClose(e.embedQuery(sentences.get(i)), vector(expected.get("encoder").get(i).get("query_cls_normalized")),
            "query " + sentences.get(i));
      }
    }
  }

  @Test
  void meanPoolingUnnormalizedTruncatedInInputOrder() {
    try (OnnxEmbedder e =
        OnnxEmbedder.builder()
            .modelPath(encoderDir.resolve("onnx/model.onnx"))
            .tokenizerPath(encoderDir.resolve("tokenizer.json"))
            .pooling(Pooling.MEAN)
            .normalize(false)
            .maxLength(8)
            .batchSize(2)
            .build()) {
      assertThat(e.info()).isEqualTo(new EmbedderInfo("model.onnx", 8, false, "mean"));
      List<float[]> got = e.embedPassages(sentences);
      for (int i = 0; i < sentences.size(); i++) {
        assertClose(got.get(i), vector(expected.get("encoder").get(i).get("max8").get("mean")), sentences.get(i));
      }
    }
  }

  @Test
  void modelWithoutTokenTypeIdsAndOtherOutputName() {
    Path dir = TestResources.testdata("rag/tiny-encoder-notypes");
    try (OnnxEmbedder e =
        OnnxEmbedder.builder()
            .modelPath(dir.resolve("model.onnx"))
            .tokenizerPath(dir.resolve("tokenizer.json"))
            .normalize(false)
            .maxLength(32)
            .batchSize(3)
            .build()) {
      List<float[]> got = e.embedPassages(sentences);
      for (int i = 0; i < sentences.size(); i++) {
        assertClose(got.get(i), vector(expected.get("encoder").get(i).get("max32").get("notypes_mean")), sentences.get(i));
      }
    }
  }

  @Test
  void batchSizeAndParallelismDoNotChangeVectors() {
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      many.add(sentences.get((i * 7) % sentences.size()) + " " + "diabetes ".repeat(i % 9));
    }
    try (OnnxEmbedder one = OnnxEmbedder.fromDirectory(encoderDir).batchSize(1).parallelism(1).build();
        OnnxEmbedder big = OnnxEmbedder.fromDirectory(encoderDir).batchSize(3).parallelism(4).build()) {
      List<float[]> a = one.embedPassages(many);
      List<float[]> b = big.embedPassages(many);
      for (int i = 0; i < many.size(); i++) {
        assertClose(b.get(i), a.get(i), many.get(i));
      }
    }
  }

  @Test
  void eightThreadsGetTheSequentialVectors() throws Exception {
    try (OnnxEmbedder e = OnnxEmbedder.fromDirectory(encoderDir).build()) {
      List<float[]> sequential = new ArrayList<>();
      for (String s : sentences) {
        sequential.add(e.embedQuery(s));
      }
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
      try {
        List<java.util.concurrent.Future<float[]>> futures = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
          for (String s : sentences) {
            futures.add(pool.submit(() -> e.embedQuery(s)));
          }
          futures.add(pool.submit(() -> e.embedPassages(sentences).get(0)));
        }
        int i = 0;
        for (java.util.concurrent.Future<float[]> f : futures) {
          int slot = i % (sentences.size() + 1);
          if (slot < sentences.size()) {
            // same input, same session: bit-identical
            assertThat(f.get()).as("query task " + i).containsExactly(sequential.get(slot));
          } else {
            assertClose(f.get(), unit(vector(expected.get("encoder").get(0).get("max32").get("cls"))), "passage task " + i);
          }
          i++;
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void dimensionSurpriseNamesTheModel() {
    assertThatThrownBy(
            () -> OnnxEmbedder.fromDirectory(encoderDir).expectedDimension(384, "my config").build())
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("model.onnx")
        .hasMessageContaining("8-dimensional")
        .hasMessageContaining("my config says 384");
  }

  @Test
  void missingFilesAreNamed(@TempDir Path tmp) {
    Path missing = tmp.resolve("nope.onnx");
    assertThatThrownBy(
            () -> OnnxEmbedder.builder().modelPath(missing).tokenizerPath(encoderDir.resolve("tokenizer.json")).build())
        .isInstanceOf(ModelFormatException.class)
        .hasMessage(missing + ": file not found");
    assertThatThrownBy(() -> OnnxEmbedder.fromDirectory(tmp))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(tmp + ": no ONNX model found");
    assertThatThrownBy(() -> OnnxEmbedder.fromDirectory(tmp.resolve("absent")))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("model directory not found");
    assertThatThrownBy(
            () -> OnnxEmbedder.builder().modelResource("no/such.onnx").tokenizerResource("x.json").build())
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("classpath:no/such.onnx");
  }

  @Test
  void corruptModelAndTokenizerAreNamed(@TempDir Path tmp) throws IOException {
    Path bad = tmp.resolve("model.onnx");
    Files.write(bad, new byte[] {1, 2, 3, 4, 5, 6, 7});
    assertThatThrownBy(
            () -> OnnxEmbedder.builder().modelPath(bad).tokenizerPath(encoderDir.resolve("tokenizer.json")).build())
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(bad.toString());
    Path badTok = tmp.resolve("tokenizer.json");
    Files.writeString(badTok, "{not json");
    assertThatThrownBy(
            () -> OnnxEmbedder.builder().modelPath(encoderDir.resolve("onnx/model.onnx")).tokenizerPath(badTok).build())
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(badTok.toString());
  }

  @Test
  void unsupportedPoolingIsRefused(@TempDir Path tmp) throws IOException {
    Files.copy(encoderDir.resolve("onnx/model.onnx"), tmp.resolve("model.onnx"));
    Files.copy(encoderDir.resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
    Files.createDirectories(tmp.resolve("1_Pooling"));
    Files.writeString(tmp.resolve("1_Pooling/config.json"), "{\"pooling_mode_max_tokens\": true}");
    assertThatThrownBy(() -> OnnxEmbedder.fromDirectory(tmp))
        .isInstanceOf(UnsupportedFeatureException.class)
        .hasMessageContaining("1_Pooling/config.json: pooling_mode_max_tokens");
  }

  @Test
  void builderValidates() {
    assertThatThrownBy(() -> OnnxEmbedder.builder().build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("modelPath (or modelResource) must be set");
    assertThatThrownBy(() -> OnnxEmbedder.fromDirectory(encoderDir).maxLength(1).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("maxLength must be in [2, 8192], was 1");
    assertThatThrownBy(() -> OnnxEmbedder.fromDirectory(encoderDir).batchSize(0).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("batchSize must be in [1, 4096], was 0");
  }

  @Test
  void presetsApplyModelCardSettings(@TempDir Path tmp) throws IOException {
    Files.createDirectories(tmp.resolve("onnx"));
    Files.copy(encoderDir.resolve("onnx/model.onnx"), tmp.resolve("onnx/model_quantized.onnx"));
    Files.copy(encoderDir.resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
    try (OnnxEmbedder e = EmbedderPreset.BGE_SMALL_EN_V1_5_QUANTIZED.builder(tmp).build()) {
      assertThat(e.info()).isEqualTo(new EmbedderInfo("bge-small-en-v1.5-quantized", 8, true, "cls"));
      assertThat(e.maxLength()).isEqualTo(512);
    }
    assertThatThrownBy(() -> EmbedderPreset.E5_SMALL_V2.builder(tmp))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("onnx/model.onnx");
  }

  static float[] vector(JsonNode arr) {
    float[] f = new float[arr.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) arr.get(i).asDouble();
    }
    return f;
  }

  static float[] unit(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (v[i] / Math.sqrt(s));
    }
    return out;
  }

  static void assertClose(float[] got, float[] want, String what) {
    assertThat(got).as(what).hasSameSizeAs(want);
    for (int i = 0; i < want.length; i++) {
      assertThat((double) got[i]).as(what + " [" + i + "]").isCloseTo(want[i], org.assertj.core.data.Offset.offset(TOL));
    }
  }
}
