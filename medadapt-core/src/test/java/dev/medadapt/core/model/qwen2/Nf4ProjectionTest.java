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
    try (NDManager req = m.manager().newSubManager()) {
      return m.forward(req.create(new long[][] {IDS})).toFloatArray();
    }
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
}
