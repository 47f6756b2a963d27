package dev.medadapt.core.model.qwen2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.safetensors.DType;
import dev.medadapt.core.safetensors.SafetensorsReader;
import dev.medadapt.core.safetensors.SafetensorsWriter;
import dev.medadapt.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Qwen2ModelTest {

  /** The fixture's input ids and float64 reference logits. */
  record Reference(long[] ids, double[][] logits) {
    static Reference of(Path dir) throws Exception {
      JsonNode root = new ObjectMapper().readTree(dir.resolve("expected_logits.json").toFile());
      long[] ids = new long[root.get("input_ids").size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = root.get("input_ids").get(i).asLong();
      }
      JsonNode l = root.get("logits");
      double[][] logits = new double[l.size()][];
      for (int i = 0; i < logits.length; i++) {
        logits[i] = new double[l.get(i).size()];
        for (int j = 0; j < logits[i].length; j++) {
          logits[i][j] = l.get(i).get(j).asDouble();
        }
      }
      return new Reference(ids, logits);
    }
  }

  /** max |got - ref| / max |ref|, the acceptance metric of the fixtures' README. */
  static double relError(float[] got, double[][] ref) {
    double maxDiff = 0;
    double maxRef = 0;
    int v = ref[0].length;
    assertThat(got).hasSize(ref.length * v);
    for (int i = 0; i < ref.length; i++) {
      for (int j = 0; j < v; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(got[i * v + j] - ref[i][j]));
        maxRef = Math.max(maxRef, Math.abs(ref[i][j]));
      }
    }
    return maxDiff / maxRef;
  }

  @ParameterizedTest
  @ValueSource(strings = {"qwen2-tiny-f32", "qwen2-tiny-bf16-tied", "qwen2-tiny-bytes-chat"})
  void logitsMatchTheFloat64Reference(String fixture) throws Exception {
    Path dir = TestResources.tinyModel(fixture);
    Reference ref = Reference.of(dir);
    try (Qwen2Model m = Qwen2Model.load(dir, Device.cpu(), Precision.FP32);
        NDManager req = m.manager().newSubManager()) {
      NDArray logits = m.forward(req.create(new long[][] {ref.ids()}));
      assertThat(logits.getShape().getShape()).containsExactly(1, ref.ids().length, m.config().vocabSize());
      double err = relError(logits.toFloatArray(), ref.logits());
      assertThat(err).as("relative error for %s", fixture).isLessThanOrEqualTo(1e-4);
    }
  }

  @Test
  void attentionInQueryBlocksEqualsOneBlockWithPaddingAndLayerByLayerEqualsForward() throws Exception {
    Path dir = TestResources.tinyModel("qwen2-tiny-f32");
    long seed = 20261206L;
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    int b = 2;
    int t = 37;
    long[][] ids = new long[b][t];
    long[][] mask = new long[b][t];
    for (int r = 0; r < b; r++) {
      for (int i = 0; i < t; i++) {
        ids[r][i] = rnd.nextInt(256);
        mask[r][i] = r == 1 && i < 5 ? 0 : 1; // left padding in the second row
      }
    }
    try (Qwen2Model m = Qwen2Model.load(dir, Device.cpu(), Precision.FP32);
        NDManager req = m.manager().newSubManager()) {
      NDArray idArr = req.create(ids);
      Qwen2Model.Positions pos = m.positions(req, b, t, mask);
      Qwen2Model.Qkv qkv = m.attentionInputs(0, m.embed(idArr), pos);
      // Padding query rows attend to nothing (all keys masked); their outputs are never read by real positions or
      // the loss, and a block sees fewer keys than the whole sequence, so they are zeroed before comparing.
      float[] realRows = new float[b * t];
      for (int r = 0; r < b; r++) {
        for (int i = 0; i < t; i++) {
          realRows[r * t + i] = mask[r][i];
        }
      }
      NDArray real = req.create(realRows, new ai.djl.ndarray.types.Shape(b, t, 1));
      float[] whole = m.attention(qkv, pos, Long.MAX_VALUE).mul(real).toFloatArray();
      int heads = m.config().numAttentionHeads();
      // 3-row blocks (13 blocks, the last one short), and 1-row blocks
      for (long blockFloats : new long[] {3L * heads * t, 1}) {
        float[] blocks = m.attention(qkv, pos, blockFloats).mul(real).toFloatArray();
        assertThat(maxRel(blocks, whole)).as("seed %d, block floats %d", seed, blockFloats).isLessThan(1e-6);
      }
      // embed + layers + finalNorm + lm_head is the forward pass
      NDArray x = m.embed(idArr);
      for (int l = 0; l < m.config().numHiddenLayers(); l++) {
        x = m.layer(l, x, pos);
      }
      float[] layered = m.projection("lm_head").apply(m.finalNorm(x)).toFloatArray();
      assertThat(maxRel(layered, m.forward(idArr, mask, null).toFloatArray())).isLessThan(1e-6);
    }
  }

  private static double maxRel(float[] got, float[] ref) {
    assertThat(got).hasSameSizeAs(ref);
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < got.length; i++) {
      diff = Math.max(diff, Math.abs(got[i] - ref[i]));
      scale = Math.max(scale, Math.abs(ref[i]));
    }
    return diff / scale;
  }

  @Test
  void fp16IsCloseButNotExact() throws Exception {
    Path dir = TestResources.tinyModel("qwen2-tiny-f32");
    Reference ref = Reference.of(dir);
    try (Qwen2Model m = Qwen2Model.load(dir, Device.cpu(), Precision.FP16);
        NDManager req = m.manager().newSubManager()) {
      double err = relError(m.forward(req.create(new long[][] {ref.ids()})).toFloatArray(), ref.logits());
      // float16 has an 11-bit significand (unit roundoff 2^-11 ~ 4.9e-4); the error stays within a few ulps.
      assertThat(err).isLessThan(1e-2).isGreaterThan(1e-6);
    }
  }

  @Test
  void projectionsAreNamedLikeHuggingFaceModulesAndCanBeWrapped() throws Exception {
    Path dir = TestResources.tinyModel("qwen2-tiny-f32");
    Reference ref = Reference.of(dir);
    try (Qwen2Model m = Qwen2Model.load(dir, Device.cpu(), Precision.FP32);
        NDManager req = m.manager().newSubManager()) {
      assertThat(m.projectionNames()).contains("model.embed_tokens", "model.layers.0.self_attn.q_proj",
          "model.layers.1.mlp.down_proj", "lm_head").hasSize(2 + 2 * 7);
      int[] calls = {0};
      // Identity wrapper that counts calls: the forward must route every projection through it.
      m.wrapProjections((name, base) -> x -> {
        calls[0]++;
        return base.apply(x);
      });
      double err = relError(m.forward(req.create(new long[][] {ref.ids()})).toFloatArray(), ref.logits());
      assertThat(err).isLessThanOrEqualTo(1e-4);
      assertThat(calls[0]).isEqualTo(16);
      // A wrapper that zeroes lm_head changes the output: the hook is really used.
      m.wrapProjections((name, base) -> name.equals("lm_head") ? x -> base.apply(x).mul(0) : base);
      assertThat(m.forward(req.create(new long[][] {ref.ids()})).abs().max().getFloat()).isZero();
    }
  }

  @Test
  void missingTensorNamesItAndItsShape(@TempDir Path dir) throws Exception {
    Path src = TestResources.tinyModel("qwen2-tiny-f32");
    Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
    SafetensorsWriter w = new SafetensorsWriter();
    try (SafetensorsReader r = SafetensorsReader.open(src)) {
      for (String n : r.names()) {
        if (!n.equals("model.layers.1.mlp.up_proj.weight")) {
          w.add(n, DType.F32, r.info(n).orElseThrow().shape(), r.readFloats(n));
        }
      }
    }
    w.write(dir.resolve("model.safetensors"));
    assertThatThrownBy(() -> Qwen2Model.load(dir, Device.cpu(), Precision.FP32))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("model.layers.1.mlp.up_proj.weight")
        .hasMessageContaining("[160, 64]")
        .hasMessageContaining(dir.toString());
  }

  @Test
  void wrongShapeNamesTensorFileAndShapes(@TempDir Path dir) throws Exception {
    Path src = TestResources.tinyModel("qwen2-tiny-f32");
    Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
    SafetensorsWriter w = new SafetensorsWriter();
    try (SafetensorsReader r = SafetensorsReader.open(src)) {
      for (String n : r.names()) {
        long[] shape = r.info(n).orElseThrow().shape();
        if (n.equals("model.layers.0.self_attn.k_proj.weight")) {
          w.add(n, DType.F32, new long[] {shape[1], shape[0]}, r.readFloats(n));
        } else {
          w.add(n, DType.F32, shape, r.readFloats(n));
        }
      }
    }
    w.write(dir.resolve("model.safetensors"));
    assertThatThrownBy(() -> Qwen2Model.load(dir, Device.cpu(), Precision.FP32))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("model.layers.0.self_attn.k_proj.weight")
        .hasMessageContaining("[64, 32]")
        .hasMessageContaining("[32, 64]")
        .hasMessageContaining(dir.resolve("model.safetensors").toString());
  }
}
