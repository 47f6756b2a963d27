package dev.medadapt.train.quant;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.train.DeterministicRandom;
import dev.medadapt.train.internal.BaseModels;
import org.junit.jupiter.api.Test;

class Nf4FrozenLinearTest {

  /** Every layer (they share one dequantization workspace) computes x·Wᵀ with exactly the codec's dequantized W. */
  @Test
  void appliesTheDequantizedWeightOfEachLayer() {
    try (Qwen2Model m = BaseModels.load(TestResources.tinyModel("qwen2-tiny-f32"), ai.djl.Device.cpu(), Precision.FP32, Quantization.NF4);
        NDManager s = m.manager().newSubManager()) {
      Nf4Codec codec = Nf4Codec.builder().doubleQuant(true).build();
      DeterministicRandom r = new DeterministicRandom(3);
      int checked = 0;
      for (String name : new String[] {"model.layers.0.mlp.up_proj", "model.layers.0.self_attn.k_proj",
          "model.layers.1.mlp.down_proj", "model.layers.0.mlp.up_proj"}) {
        Nf4FrozenLinear p = (Nf4FrozenLinear) m.projection(name);
        int[] shape = p.packed().shape();
        float[] w = new float[shape[0] * shape[1]];
        codec.dequantize(p.packed(), w);
        float[] xs = new float[3 * shape[1]];
        for (int i = 0; i < xs.length; i++) {
          xs[i] = (float) r.nextGaussian();
        }
        NDArray x = s.create(xs, new Shape(3, shape[1]));
        float[] got = p.apply(x).toFloatArray();
        float[] want = Linear.linear(x, s.create(w, new Shape(shape[0], shape[1])), p.bias()).singletonOrThrow()
            .toFloatArray();
        assertThat(got).as(name).containsExactly(want);
        checked++;
      }
      assertThat(checked).isEqualTo(4);
    }
  }

  /** The GPU path (codebook lookup and scale as tensor operations) gives the bits of the Java dequantization. */
  @Test
  void tensorOpDequantizationEqualsTheCodecBitForBit() {
    try (Qwen2Model m = BaseModels.load(TestResources.tinyModel("qwen2-tiny-f32"), ai.djl.Device.cpu(), Precision.FP32, Quantization.NF4);
        NDManager s = m.manager().newSubManager()) {
      DeterministicRandom r = new DeterministicRandom(8);
      for (String name : new String[] {"model.layers.0.mlp.down_proj", "model.layers.1.self_attn.q_proj"}) {
        Nf4FrozenLinear p = (Nf4FrozenLinear) m.projection(name);
        int[] shape = p.packed().shape();
        float[] xs = new float[5 * shape[1]];
        for (int i = 0; i < xs.length; i++) {
          xs[i] = (float) r.nextGaussian();
        }
        NDArray x = s.create(xs, new Shape(5, shape[1]));
        float[] java = p.apply(x).toFloatArray();
        p.useTensorOps(m.manager());
        float[] tensorOps = p.apply(x).toFloatArray();
        assertThat(tensorOps).as(name).containsExactly(java);
        float[] w = new float[shape[0] * shape[1]];
        Nf4Codec.builder().doubleQuant(true).build().dequantize(p.packed(), w);
        try (NDManager scope = s.newSubManager()) {
          assertThat(p.deviceCodesForTest().dequantize(scope).toFloatArray()).containsExactly(w);
        }
      }
    }
  }
}
