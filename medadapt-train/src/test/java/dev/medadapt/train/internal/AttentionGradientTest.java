package dev.medadapt.train.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.train.DeterministicRandom;
import org.junit.jupiter.api.Test;

/**
 * The block-wise attention (forward in blocks of query rows, gradient by {@link AttentionGradient}) equals eager
 * attention (one block, gradients by autograd) within 1e-5, with grouped-query heads and a padded row.
 */
class AttentionGradientTest {
  @Test
  void blockwiseAttentionAndItsGradientEqualEagerAttentionAndAutograd() {
    long seed = 42_2026L;
    DeterministicRandom r = new DeterministicRandom(seed);
    try (Qwen2Model m = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(), Precision.FP32);
        NDManager sub = m.manager().newSubManager()) {
      int b = 2;
      int t = 29;
      int heads = m.config().numAttentionHeads();
      int kv = m.config().numKeyValueHeads();
      int d = m.config().headDim();
      long[][] mask = new long[b][t];
      for (int i = 0; i < t; i++) {
        mask[0][i] = 1;
        mask[1][i] = i < 4 ? 0 : 1; // left padding
      }
      Qwen2Model.Positions pos = m.positions(sub, b, t, mask);
      NDArray q = random(sub, r, b, heads, t, d);
      NDArray k = random(sub, r, b, kv, t, d);
      NDArray v = random(sub, r, b, kv, t, d);
      NDArray dOut = random(sub, r, b, t, heads * d);
      // padding query rows feed nothing downstream, so their upstream gradient is 0 (as in a real backward pass)
      NDArray realRows = sub.create(new float[] {1, 1, 1, 1}, new Shape(1, 1, 1)).broadcast(b, t, 1).duplicate();
      for (int i = 0; i < 4; i++) {
        realRows.set(new ai.djl.ndarray.index.NDIndex("1, " + i + ", 0"), 0f);
      }
      dOut = dOut.mul(realRows);

      float[] eagerOut;
      float[][] eagerGrads = new float[3][];
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray[] leaves = {q.duplicate(), k.duplicate(), v.duplicate()};
        for (NDArray l : leaves) {
          l.setRequiresGradient(true);
        }
        NDArray out = m.attention(new Qwen2Model.Qkv(leaves[0], leaves[1], leaves[2]), pos, Long.MAX_VALUE);
        eagerOut = out.mul(realRows).toFloatArray();
        gc.backward(out.mul(dOut).sum());
        for (int i = 0; i < 3; i++) {
          eagerGrads[i] = leaves[i].getGradient().toFloatArray();
        }
      }
      Qwen2Model.Qkv qkv = new Qwen2Model.Qkv(q, k, v);
      long blockFloats = 4L * heads * t; // 4-row blocks: 8 blocks, the last one short
      float[] blockOut = m.attention(qkv, pos, blockFloats).mul(realRows).toFloatArray();
      NDArray[] grads = AttentionGradient.of(m.config(), qkv, pos, dOut, blockFloats);
      assertThat(relDiff(blockOut, eagerOut)).as("output, seed %d", seed).isLessThanOrEqualTo(1e-5);
      String[] names = {"dq", "dk", "dv"};
      for (int i = 0; i < 3; i++) {
        assertThat(relDiff(grads[i].toFloatArray(), eagerGrads[i])).as("%s, seed %d", names[i], seed)
            .isLessThanOrEqualTo(1e-5);
      }
    }
  }

  private static NDArray random(NDManager m, DeterministicRandom r, long... shape) {
    Shape s = new Shape(shape);
    float[] x = new float[(int) s.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return m.create(x, s);
  }

  private static double relDiff(float[] got, float[] ref) {
    assertThat(got).hasSameSizeAs(ref);
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < got.length; i++) {
      diff = Math.max(diff, Math.abs(got[i] - ref[i]));
      scale = Math.max(scale, Math.abs(ref[i]));
    }
    assertThat(scale).isGreaterThan(0);
    return diff / scale;
  }
}
