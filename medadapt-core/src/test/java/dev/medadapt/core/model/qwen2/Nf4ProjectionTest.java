package dev.medadapt.core.model.qwen2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.quant.Nf4Tensor;
import dev.medadapt.core.testing.TestResources;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class Nf4ProjectionTest {
  private static final long[] IDS = {153, 117, 128, 8, 110, 179, 214, 117, 70, 103, 100, 32};

  private static float[] logits(Qwen2Model m) {
    return logits(m, IDS);
  }

  private static float[] logits(Qwen2Model m, long[] ids) {
    try (NDManager req = m.manager().newSubManager()) {
      return m.forward(req.create(new long[][] {ids})).toFloatArray();
    }
  }

  /** A prompt longer than {@link Nf4Projection#FUSED_MAX_ROWS}: every NF4 layer dequantizes into the workspace. */
  private static long[] promptIds() {
    long[] ids = new long[Nf4Projection.FUSED_MAX_ROWS + 5];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = IDS[i % IDS.length] + i % 3;
    }
    return ids;
  }

  @Test
  void nf4ModelComputesWithExactlyTheDequantizedWeights() throws Exception {
    Path dir = TestResources.tinyModel("qwen2-tiny-f32");
    Nf4Codec codec = Nf4Codec.builder().build();
    // Reference: a dense float32 model whose linear weights went through quantize -> dequantize.
    Qwen2Model.LinearLoader roundTrip = (w, module, out, in, hasBias) -> {
      Nf4Tensor q = codec.quantize(w.floats(module + ".weight", out, in), out, in);
      float[] deq = new float[out * in];
      codec.dequantize(q, deq);
      return new LinearProjection(w.manager().create(deq, new ai.djl.ndarray.types.Shape(out, in)),
          hasBias ? w.floatParam(module + ".bias", out) : null);
    };
    float[] ref;
    try (Qwen2Model dense = Qwen2Model.load(dir, Device.cpu(), Precision.FP32, roundTrip)) {
      ref = logits(dense);
    }
    float[] exact;
    try (Qwen2Model fp32 = Qwen2Model.load(dir, Device.cpu(), Precision.FP32)) {
      exact = logits(fp32);
    }
    try (Qwen2Model nf4 = Qwen2Model.load(dir, Device.cpu(), Precision.FP32, Nf4Projection.loader(codec))) {
      float[] got = logits(nf4);
      assertThat(KvCacheTest.relError(got, ref)).isLessThanOrEqualTo(1e-5);
      // NF4 really quantized: the logits moved away from the float32 model's, but not far.
      double drift = KvCacheTest.relError(got, exact);
      assertThat(drift).isGreaterThan(1e-4).isLessThan(0.2);
      // The autograd-safe variant (fresh weight tensors per call) gives the same numbers.
      nf4.wrapProjections((name, base) -> base instanceof Nf4Projection p
          ? Nf4Projection.autogradSafe(codec, p.weight(), p.bias()) : base);
      assertThat(KvCacheTest.relError(logits(nf4), ref)).isLessThanOrEqualTo(1e-5);
    }
  }

  @Test
  void decodeStepsTakeTheFusedProductAndGiveThePrefillLogits() throws Exception {
    Path dir = TestResources.tinyModel("qwen2-tiny-f32");
    Nf4Codec codec = Nf4Codec.builder().build();
    for (Precision precision : Precision.values()) {
      try (Qwen2Model nf4 = Qwen2Model.load(dir, Device.cpu(), precision, Nf4Projection.loader(codec, precision));
          NDManager req = nf4.manager().newSubManager()) {
        // More rows than FUSED_MAX_ROWS, so every NF4 layer dequantizes into the workspace and runs PyTorch's product.
        long[] ids = promptIds();
        float[] full = nf4.forward(req.create(new long[][] {ids})).toFloatArray();
        int v = nf4.config().vocabSize();
        float[] stepped = new float[full.length];
        try (KvCache cache = nf4.newCache(req, 1)) {
          for (int i = 0; i < ids.length; i++) {
            try (NDManager step = req.newSubManager()) {
              float[] row = nf4.forward(step.create(new long[][] {{ids[i]}}), null, cache).toFloatArray();
              System.arraycopy(row, 0, stepped, i * v, v);
            }
          }
        }
        // One row per step: the fused product from the packed codes, in float32 whatever the precision. FP32:
        // the same weights, so equal up to summation order; FP16: the prefill rounded the weights to half.
        double tol = precision == Precision.FP32 ? 1e-4 : 1e-2;
        assertThat(KvCacheTest.relError(stepped, full)).as(precision.name()).isLessThanOrEqualTo(tol);
      }
    }
  }

  @Test
  void fp16WorkspaceComputesWithTheDequantizedWeightsRoundedToHalf() throws Exception {
    Path dir = TestResources.tinyModel("qwen2-tiny-f32");
    Nf4Codec codec = Nf4Codec.builder().build();
    // Reference: a dense FP16 model whose linear weights are the NF4 round trip rounded to float16,
    // the same rounding dequantizeHalf promises (codebook value x absmax in float32, then to half).
    Qwen2Model.LinearLoader roundTrip = (w, module, out, in, hasBias) -> {
      Nf4Tensor q = codec.quantize(w.floats(module + ".weight", out, in), out, in);
      float[] deq = new float[out * in];
      codec.dequantize(q, deq);
      short[] half = new short[deq.length];
      for (int i = 0; i < deq.length; i++) {
        half[i] = dev.medadapt.core.safetensors.internal.HalfFloats.floatToF16(deq[i]);
      }
      java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocateDirect(half.length * 2).order(java.nio.ByteOrder.nativeOrder());
      bb.asShortBuffer().put(half);
      ai.djl.ndarray.NDArray blob = w.manager().create(bb, new ai.djl.ndarray.types.Shape(out, in),
          ai.djl.ndarray.types.DataType.FLOAT16);
      ai.djl.ndarray.NDArray owned = blob.duplicate();
      blob.close();
      return new LinearProjection(owned, hasBias ? w.floatParam(module + ".bias", out) : null);
    };
    float[] ref;
    try (Qwen2Model dense = Qwen2Model.load(dir, Device.cpu(), Precision.FP16, roundTrip)) {
      ref = logits(dense, promptIds());
    }
    float[] fp32Workspace;
    try (Qwen2Model nf4 = Qwen2Model.load(dir, Device.cpu(), Precision.FP32, Nf4Projection.loader(codec))) {
      fp32Workspace = logits(nf4, promptIds());
    }
    try (Qwen2Model nf4 = Qwen2Model.load(dir, Device.cpu(), Precision.FP16,
        Nf4Projection.loader(codec, Precision.FP16))) {
      float[] got = logits(nf4, promptIds());
      // Same half weights, same float16 products: equal up to summation order.
      assertThat(KvCacheTest.relError(got, ref)).isLessThanOrEqualTo(1e-3);
      // And close to the exact float32 products of the same NF4 weights (float16 rounding only).
      assertThat(KvCacheTest.relError(got, fp32Workspace)).isLessThan(1e-2);
    }
  }

  @Test
  void halfDequantizationRoundsEachFloatValue() {
    Nf4Codec codec = Nf4Codec.builder().build();
    float[] w = new float[3 * 64 + 5]; // a partial last block and an odd length
    java.util.SplittableRandom r = new java.util.SplittableRandom(7);
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian() * 0.05f;
    }
    Nf4Tensor q = codec.quantize(w, 1, w.length);
    float[] f = new float[w.length];
    codec.dequantize(q, f);
    // every sub-range, including ones starting on an odd element, matches element by element
    for (int start : new int[] {0, 1, 63, 64, 130}) {
      int count = w.length - start - 2;
      java.nio.ShortBuffer h = java.nio.ShortBuffer.allocate(w.length);
      codec.dequantizeHalf(q, start, count, h, start);
      java.nio.FloatBuffer fb = java.nio.ByteBuffer.allocateDirect(w.length * 4)
          .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
      codec.dequantize(q, start, count, fb, start);
      for (int i = start; i < start + count; i++) {
        assertThat(h.get(i)).as("half element %d", i)
            .isEqualTo(dev.medadapt.core.safetensors.internal.HalfFloats.floatToF16(f[i]));
        assertThat(fb.get(i)).as("float element %d", i).isEqualTo(f[i]);
      }
      assertThat(h.get(start + count)).isZero();
    }
  }

  /**
   * The GPU path (codes on the device, dequantized with tensor operations) run on the CPU: for a prompt (more rows
   * than the fused product takes) it gives the workspace path's logits bit for bit, at both precisions.
   */
  @Test
  void onDeviceDequantizationGivesTheWorkspaceLogitsBitForBit() {
    Path dir = TestResources.tinyModel("qwen2-tiny-f32");
    Nf4Codec codec = Nf4Codec.builder().build();
    for (Precision precision : Precision.values()) {
      try (Qwen2Model nf4 = Qwen2Model.load(dir, Device.cpu(), precision, Nf4Projection.loader(codec, precision))) {
        float[] workspace = logits(nf4, promptIds());
        int placed = 0;
        for (String name : nf4.projectionNames()) {
          if (nf4.projection(name) instanceof Nf4Projection p) {
            p.placeOnDevice(nf4.manager(), precision == Precision.FP16
                ? ai.djl.ndarray.types.DataType.FLOAT16 : ai.djl.ndarray.types.DataType.FLOAT32);
            placed++;
          }
        }
        assertThat(placed).isEqualTo(nf4.config().numHiddenLayers() * 7);
        assertThat(logits(nf4, promptIds())).as(precision.name()).containsExactly(workspace);
      }
    }
  }
}
