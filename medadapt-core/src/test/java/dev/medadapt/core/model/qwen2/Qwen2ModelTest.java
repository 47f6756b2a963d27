package dev.medadapt.core.model.qwen2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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

  /**
   * A bfloat16 vocabulary (embedding and lm_head held as bfloat16 bits, widened where read) gives exactly the logits
   * of the float32 copy: tied (the bf16 fixture) and untied (the f32 fixture written as BF16).
   */
  @Test
  void bf16VocabularyGivesTheLogitsOfTheFloat32Copy(@TempDir Path dir) throws Exception {
    Path src = TestResources.tinyModel("qwen2-tiny-f32");
    writeBf16Copy(src, dir);
    Reference ref = Reference.of(TestResources.tinyModel("qwen2-tiny-bf16-tied"));
    for (Path model : new Path[] {TestResources.tinyModel("qwen2-tiny-bf16-tied"), dir}) {
      long[][] ids = {ref.ids(), ref.ids().clone()};
      ids[1][2] = 7; // a second row, so the gather covers a batch
      try (Qwen2Model dense = Qwen2Model.load(model, Device.cpu(), Precision.FP32);
          Qwen2Model bits = Qwen2Model.load(model, Device.cpu(), Precision.FP32, null, true);
          NDManager a = dense.manager().newSubManager();
          NDManager b = bits.manager().newSubManager()) {
        assertThat(bits.projection("model.embed_tokens")).as(model.toString())
            .isInstanceOf(Bf16EmbeddingProjection.class);
        assertThat(bits.projection("lm_head")).isInstanceOf(Bf16LinearProjection.class);
        assertThat(dense.projection("lm_head")).isInstanceOf(LinearProjection.class);
        float[] expected = dense.forward(a.create(ids)).toFloatArray();
        float[] got = bits.forward(b.create(ids)).toFloatArray();
        assertThat(maxRel(got, expected)).as(model.toString()).isLessThanOrEqualTo(1e-6);
        // A few rows (a decode step) multiply on the bits in Java; 40 rows widen chunks for a tensor product.
        int hidden = bits.config().hiddenSize();
        float[] xs = new float[40 * hidden];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        for (int i = 0; i < xs.length; i++) {
          xs[i] = (float) rnd.nextGaussian();
        }
        Projection head = bits.projection("lm_head");
        float[] widened = head.apply(b.create(xs, new Shape(40, hidden))).toFloatArray();
        float[] few = head.apply(b.create(java.util.Arrays.copyOf(xs, 3 * hidden), new Shape(3, hidden)))
            .toFloatArray();
        assertThat(maxRel(few, java.util.Arrays.copyOf(widened, few.length))).as(model.toString())
            .isLessThanOrEqualTo(1e-6);
        float[] denseFew = dense.projection("lm_head")
            .apply(a.create(java.util.Arrays.copyOf(xs, 3 * hidden), new Shape(3, hidden))).toFloatArray();
        assertThat(maxRel(few, denseFew)).as(model.toString()).isLessThanOrEqualTo(1e-6);
      }
    }
    // Out-of-vocabulary ids name the tensor; float16 ignores the option.
    try (Qwen2Model bits = Qwen2Model.load(dir, Device.cpu(), Precision.FP32, null, true);
        NDManager req = bits.manager().newSubManager();
        Qwen2Model half = Qwen2Model.load(dir, Device.cpu(), Precision.FP16, null, true)) {
      assertThatThrownBy(() -> bits.forward(req.create(new long[][] {{1, 256}})))
          .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("model.embed_tokens.weight")
          .hasMessageContaining("256");
      assertThat(half.projection("lm_head")).isInstanceOf(LinearProjection.class);
    }
  }

  /**
   * Precision BF16 keeps every linear layer, the embedding and lm_head of a BF16 checkpoint as bfloat16 bits and gives
   * the logits of the float32 copy, on prompts long enough for the chunked tensor product (48 rows) and for a decode
   * step's few rows; the bf16 fixture also against the float64 reference. A float32 checkpoint loads as float32.
   */
  @Test
  void bf16PrecisionKeepsTheLayersAsBitsAndGivesTheLogitsOfTheFloat32Copy(@TempDir Path dir) throws Exception {
    Path src = TestResources.tinyModel("qwen2-tiny-f32"); // untied, with q/k/v biases
    writeBf16Copy(src, dir);
    Path tied = TestResources.tinyModel("qwen2-tiny-bf16-tied");
    for (Path model : new Path[] {tied, dir}) {
      try (Qwen2Model dense = Qwen2Model.load(model, Device.cpu(), Precision.FP32);
          Qwen2Model bits = Qwen2Model.load(model, Device.cpu(), Precision.BF16);
          NDManager a = dense.manager().newSubManager();
          NDManager b = bits.manager().newSubManager()) {
        for (String name : bits.projectionNames()) {
          assertThat(bits.projection(name)).as(name).isInstanceOf(name.equals("model.embed_tokens")
              ? Bf16EmbeddingProjection.class : Bf16LinearProjection.class);
        }
        assertThat(((Bf16LinearProjection) bits.projection("model.layers.0.self_attn.q_proj")).bias()).isNotNull();
        int vocab = bits.config().vocabSize();
        long[][] ids = new long[3][16];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
        for (long[] row : ids) {
          for (int t = 0; t < row.length; t++) {
            row[t] = rnd.nextInt(vocab);
          }
        }
        float[] expected = dense.forward(a.create(ids)).toFloatArray();
        float[] got = bits.forward(b.create(ids)).toFloatArray();
        assertThat(maxRel(got, expected)).as(model.toString()).isLessThanOrEqualTo(1e-5);
        long[][] one = {ids[0]};
        assertThat(maxRel(bits.forward(b.create(one)).toFloatArray(), dense.forward(a.create(one)).toFloatArray()))
            .as(model + ", 16 rows on the bits in Java").isLessThanOrEqualTo(1e-5);
      }
    }
    Reference ref = Reference.of(tied);
    try (Qwen2Model m = Qwen2Model.load(tied, Device.cpu(), Precision.BF16);
        NDManager req = m.manager().newSubManager()) {
      assertThat(relError(m.forward(req.create(new long[][] {ref.ids()})).toFloatArray(), ref.logits()))
          .isLessThanOrEqualTo(1e-4);
    }
    try (Qwen2Model f32 = Qwen2Model.load(src, Device.cpu(), Precision.BF16);
        Qwen2Model dense = Qwen2Model.load(src, Device.cpu(), Precision.FP32);
        NDManager a = dense.manager().newSubManager();
        NDManager b = f32.manager().newSubManager()) {
      assertThat(f32.projection("lm_head")).isInstanceOf(LinearProjection.class);
      assertThat(f32.projection("model.layers.0.mlp.up_proj")).isInstanceOf(LinearProjection.class);
      long[][] ids = {{1, 2, 3, 4, 5}};
      assertThat(f32.forward(b.create(ids)).toFloatArray()).containsExactly(dense.forward(a.create(ids)).toFloatArray());
    }
  }

  /** Writes {@code src}'s config and every tensor, rounded to BF16, into {@code dir}: a BF16 checkpoint. */
  private static void writeBf16Copy(Path src, Path dir) throws Exception {
    Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
    SafetensorsWriter w = new SafetensorsWriter();
    try (SafetensorsReader r = SafetensorsReader.open(src)) {
      for (String n : r.names()) {
        w.add(n, DType.BF16, r.info(n).orElseThrow().shape(), r.readFloats(n));
      }
    }
    w.write(dir.resolve("model.safetensors"));
  }

  /** A matrix split over several buffers reads its rows back in order and multiplies across the parts. */
  @Test
  void bf16MatrixAcrossPartsReadsRowsAndGathersInOrder(@TempDir Path dir) throws Exception {
    int rows = 37;
    int cols = 24;
    float[] v = new float[rows * cols];
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(31);
    for (int i = 0; i < v.length; i++) {
      v[i] = Float.intBitsToFloat(Float.floatToRawIntBits((float) rnd.nextGaussian()) & 0xffff0000);
    }
    SafetensorsWriter w = new SafetensorsWriter();
    w.add("m", DType.BF16, new long[] {rows, cols}, v);
    w.write(dir.resolve("m.safetensors"));
    try (SafetensorsReader r = SafetensorsReader.open(dir.resolve("m.safetensors"));
        Bf16Matrix m = Bf16Matrix.read(r, "m", rows, cols, 5L * cols * 2); // 5 rows a part: 8 parts
        NDManager mgr = NDManager.newBaseManager("PyTorch")) {
      assertThat(m.rows(mgr, 0, rows).toFloatArray()).containsExactly(v);
      float[] slice = m.rows(mgr, 4, 11).toFloatArray();
      assertThat(slice).containsExactly(java.util.Arrays.copyOfRange(v, 4 * cols, 11 * cols));
      long[] idx = {36, 0, 5, 5, 19};
      float[] g = m.gather(mgr, idx).toFloatArray();
      for (int k = 0; k < idx.length; k++) {
        assertThat(java.util.Arrays.copyOfRange(g, k * cols, (k + 1) * cols))
            .containsExactly(java.util.Arrays.copyOfRange(v, (int) idx[k] * cols, (int) (idx[k] + 1) * cols));
      }
      // Products across the parts: one input, four (one pass), and six (each row widened once for all)
      for (int inputs : new int[] {1, 4, 6}) {
        float[] x = new float[inputs * cols];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) rnd.nextGaussian();
        }
        float[] y = new float[inputs * rows];
        m.multiply(x, inputs, y);
        for (int k = 0; k < inputs; k++) {
          for (int row = 0; row < rows; row++) {
            double ref = 0;
            double scale = 0;
            for (int c = 0; c < cols; c++) {
              ref += (double) v[row * cols + c] * x[k * cols + c];
              scale += Math.abs((double) v[row * cols + c] * x[k * cols + c]);
            }
            assertThat((double) y[k * rows + row]).as("%d inputs, input %d, row %d", inputs, k, row)
                .isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-6 * scale));
          }
        }
      }
      assertThatThrownBy(() -> Bf16Matrix.read(r, "m", rows + 1, cols, 1 << 20))
          .isInstanceOf(ModelFormatException.class).hasMessageContaining("[37, 24]");
    }
  }

  /** Matrices sharing one staging buffer widen their own rows, and the buffer goes with the last of them. */
  @Test
  void bf16MatricesShareAStagingBufferUntilTheLastCloses(@TempDir Path dir) throws Exception {
    int cols = 16;
    float[] a = new float[300 * cols];
    float[] b = new float[7 * cols];
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
    for (float[] v : new float[][] {a, b}) {
      for (int i = 0; i < v.length; i++) {
        v[i] = Float.intBitsToFloat(Float.floatToRawIntBits((float) rnd.nextGaussian()) & 0xffff0000);
      }
    }
    SafetensorsWriter w = new SafetensorsWriter();
    w.add("a", DType.BF16, new long[] {300, cols}, a);
    w.add("b", DType.BF16, new long[] {7, cols}, b);
    w.write(dir.resolve("m.safetensors"));
    Bf16Matrix.Staging staging = new Bf16Matrix.Staging();
    try (SafetensorsReader r = SafetensorsReader.open(dir.resolve("m.safetensors"));
        NDManager mgr = NDManager.newBaseManager("PyTorch")) {
      Bf16Matrix ma = Bf16Matrix.read(r, "a", 300, cols, staging);
      Bf16Matrix mb = Bf16Matrix.read(r, "b", 7, cols, staging);
      assertThat(staging.holdsBuffer()).isFalse();
      assertThat(ma.rows(mgr, 0, 300).toFloatArray()).containsExactly(a); // 300 rows: widened on both cores
      assertThat(mb.rows(mgr, 0, 7).toFloatArray()).containsExactly(b);
      assertThat(staging.holdsBuffer()).isTrue();
      ma.close();
      assertThat(staging.holdsBuffer()).isTrue();
      assertThat(mb.gather(mgr, new long[] {6, 0}).toFloatArray())
          .containsExactly(concat(java.util.Arrays.copyOfRange(b, 6 * cols, 7 * cols),
              java.util.Arrays.copyOfRange(b, 0, cols)));
      mb.close();
      mb.close(); // idempotent: releases the staging buffer once
      assertThat(staging.holdsBuffer()).isFalse();
      assertThatThrownBy(() -> ma.rows(mgr, 0, 1)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("a: matrix closed");
    }
  }

  private static float[] concat(float[] x, float[] y) {
    float[] z = java.util.Arrays.copyOf(x, x.length + y.length);
    System.arraycopy(y, 0, z, x.length, y.length);
    return z;
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
