package dev.medadapt.core.model.qwen2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.quant.Int8Tensor;
import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.safetensors.DType;
import dev.medadapt.core.safetensors.SafetensorsReader;
import dev.medadapt.core.safetensors.SafetensorsWriter;
import dev.medadapt.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Int8ProjectionTest {
  private static float[] logits(Qwen2Model m, long[] ids) {
    try (NDManager req = m.manager().newSubManager()) {
      return m.forward(req.create(new long[][] {ids})).toFloatArray();
    }
  }

  /** A prompt longer than {@link Int8Projection#FUSED_MAX_ROWS}, from the fixture's ids. */
  private static long[] promptIds(long[] ref) {
    long[] ids = new long[Int8Projection.FUSED_MAX_ROWS + 5];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = ref[i % ref.length] + i % 3;
    }
    return ids;
  }

  /** A dense float32 model whose linear weights and lm_head went through int8 and back. */
  private static Qwen2Model.LinearLoader roundTrip() {
    return new Qwen2Model.LinearLoader() {
      @Override
      public Projection load(Qwen2Model.WeightSource w, String module, int out, int in, boolean hasBias) {
        Int8Tensor q = Int8Tensor.quantize(w.floats(module + ".weight", out, in), out, in);
        float[] deq = new float[out * in];
        q.dequantizeParallel(java.nio.FloatBuffer.wrap(deq));
        return new LinearProjection(w.manager().create(deq, new Shape(out, in)),
            hasBias ? w.floatParam(module + ".bias", out) : null);
      }

      @Override
      public boolean includesLmHead() {
        return true;
      }
    };
  }

  @Test
  void int8ModelComputesWithTheDequantizedWeightsAndBeatsNf4AgainstTheFloat64Reference() throws Exception {
    for (String fixture : List.of("qwen2-tiny-f32", "qwen2-tiny-bf16-tied")) {
      Path dir = TestResources.tinyModel(fixture);
      Qwen2ModelTest.Reference ref = Qwen2ModelTest.Reference.of(dir);
      float[] roundTripLogits;
      try (Qwen2Model dense = Qwen2Model.load(dir, Device.cpu(), Precision.FP32, roundTrip())) {
        roundTripLogits = logits(dense, ref.ids());
      }
      double nf4Error;
      try (Qwen2Model nf4 = Qwen2Model.load(dir, Device.cpu(), Precision.FP32,
          Nf4Projection.loader(Nf4Codec.builder().build()))) {
        nf4Error = Qwen2ModelTest.relError(logits(nf4, ref.ids()), ref.logits());
      }
      try (Qwen2Model int8 = Qwen2Model.load(dir, Device.cpu(), Precision.FP32, Int8Projection.loader(Precision.FP32))) {
        assertThat(int8.projection("lm_head")).isInstanceOf(Int8Projection.class);
        float[] got = logits(int8, ref.ids());
        assertThat(KvCacheTest.relError(got, roundTripLogits)).as(fixture).isLessThanOrEqualTo(1e-5);
        double int8Error = Qwen2ModelTest.relError(got, ref.logits());
        System.out.printf("%s: logits' largest error relative to the largest reference logit: INT8 %.2e, NF4 %.2e%n",
            fixture, int8Error, nf4Error);
        // Really quantized, and several times closer to the float64 reference than NF4.
        assertThat(int8Error).as(fixture).isGreaterThan(1e-6).isLessThan(nf4Error / 4);
      }
    }
  }

  @Test
  void decodeStepsTakeTheFusedProductAndGiveThePrefillLogits() throws Exception {
    Path dir = TestResources.tinyModel("qwen2-tiny-f32");
    // Long enough that the prompt takes the dequantized path, whose logits the steps are compared with.
    long[] ids = promptIds(Qwen2ModelTest.Reference.of(dir).ids());
    for (Precision precision : Precision.values()) {
      try (Qwen2Model int8 = Qwen2Model.load(dir, Device.cpu(), precision, Int8Projection.loader(precision));
          NDManager req = int8.manager().newSubManager()) {
        float[] full = int8.forward(req.create(new long[][] {ids})).toFloatArray();
        int v = int8.config().vocabSize();
        float[] stepped = new float[full.length];
        try (KvCache cache = int8.newCache(req, 1)) {
          for (int i = 0; i < ids.length; i++) {
            try (NDManager step = req.newSubManager()) {
              float[] row = int8.forward(step.create(new long[][] {{ids[i]}}), null, cache).toFloatArray();
              System.arraycopy(row, 0, stepped, i * v, v);
            }
          }
        }
        // FP32: the same weights, so equal up to summation order; FP16: the prompt's weights rounded to half.
        double tol = precision == Precision.FP32 ? 1e-4 : 1e-2;
        assertThat(KvCacheTest.relError(stepped, full)).as(precision.name()).isLessThanOrEqualTo(tol);
      }
    }
  }

  @Test
  void slicedPromptWeightsAndOnDeviceDequantizationGiveTheSameLogits() throws Exception {
    Path dir = TestResources.tinyModel("qwen2-tiny-f32");
    // A prompt above FUSED_MAX_ROWS: the weights are dequantized for PyTorch's product (in slices below).
    long[] ids = promptIds(Qwen2ModelTest.Reference.of(dir).ids());
    float[] whole;
    try (Qwen2Model int8 = Qwen2Model.load(dir, Device.cpu(), Precision.FP32, Int8Projection.loader(Precision.FP32))) {
      whole = logits(int8, ids);
      // The GPU path (codes and scales as tensors, dequantized per call), run on the CPU.
      for (String name : int8.projectionNames()) {
        if (int8.projection(name) instanceof Int8Projection p) {
          p.placeOnDevice(int8.manager(), DataType.FLOAT32);
        }
      }
      assertThat(KvCacheTest.relError(logits(int8, ids), whole)).isLessThanOrEqualTo(1e-6);
    }
    // 1,000 elements per slice: every weight of this model (64 x 64 and up) is read and quantized row by row and
    // dequantized for the prompt in several slices; the same codes, so the same logits.
    for (String fixture : List.of("qwen2-tiny-f32", "qwen2-tiny-bf16-tied")) {
      Path d = TestResources.tinyModel(fixture);
      float[] reference;
      try (Qwen2Model int8 = Qwen2Model.load(d, Device.cpu(), Precision.FP32, Int8Projection.loader(Precision.FP32))) {
        reference = logits(int8, ids);
      }
      try (Qwen2Model sliced = Qwen2Model.load(d, Device.cpu(), Precision.FP32,
          Int8Projection.loader(Precision.FP32, 1000))) {
        assertThat(KvCacheTest.relError(logits(sliced, ids), reference)).as(fixture).isLessThanOrEqualTo(1e-6);
      }
    }
    assertThat(whole).isNotEmpty();
  }

  @Test
  void aNonFiniteWeightNamesItsTensorAndPosition(@TempDir Path dir) throws Exception {
    Path src = TestResources.tinyModel("qwen2-tiny-f32");
    Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
    SafetensorsWriter w = new SafetensorsWriter();
    try (SafetensorsReader r = SafetensorsReader.open(src)) {
      for (String n : r.names()) {
        float[] values = r.readFloats(n);
        if (n.equals("model.layers.1.mlp.down_proj.weight")) {
          values[2 * 160 + 5] = Float.POSITIVE_INFINITY;
        }
        w.add(n, DType.F32, r.info(n).orElseThrow().shape(), values);
      }
    }
    w.write(dir.resolve("model.safetensors"));
    for (long slice : new long[] {Int8Projection.SLICE_ELEMENTS, 1000}) { // read whole, and row by row
      assertThatThrownBy(() -> Qwen2Model.load(dir, Device.cpu(), Precision.FP32,
          Int8Projection.loader(Precision.FP32, slice)))
          .isInstanceOf(ModelFormatException.class)
          .hasMessageContaining("model.layers.1.mlp.down_proj.weight")
          .hasMessageContaining("[2, 5]");
    }
  }
}
