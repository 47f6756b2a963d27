package dev.medadapt.core.model.qwen2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.testing.TestResources;
import org.junit.jupiter.api.Test;

/** The forward pass is differentiable through wrapped projections: what LoRA training relies on. */
class AutogradTest {
  private static final long[] IDS = {153, 117, 128, 8, 110, 179, 214, 117, 70};

  /** Mean next-token cross-entropy of IDS, from the model's logits. */
  private static NDArray loss(Qwen2Model m, NDManager mgr) {
    NDArray logits = m.forward(mgr.create(new long[][] {IDS})); // [1, T, V]
    int t = IDS.length;
    NDArray logp = logits.get(":, :" + (t - 1) + ", :").logSoftmax(-1); // predictions for tokens 1..T-1
    long[] targets = java.util.Arrays.copyOfRange(IDS, 1, t);
    NDArray oneHot = mgr.create(targets).oneHot(m.config().vocabSize());
    return logp.reshape(t - 1, -1).mul(oneHot).sum(new int[] {1}).mean().neg();
  }

  private static float[] gaussian(java.util.SplittableRandom rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      // Box-Muller; scale 0.1 as a small LoRA init.
      x[i] = (float) (0.1 * Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble()));
    }
    return x;
  }

  @Test
  void loraDeltaOnQAndVReceivesTheFiniteDifferenceGradient() {
    try (Qwen2Model m = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(), Precision.FP32);
        NDManager mgr = m.manager().newSubManager()) {
      int r = 4;
      long seed = 99;
      java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
      NDArray a = mgr.create(gaussian(rnd, r * 64), new Shape(r, 64));
      NDArray b = mgr.create(gaussian(rnd, 32 * r), new Shape(32, r)); // v_proj: 32 outputs
      a.setRequiresGradient(true);
      b.setRequiresGradient(true);
      m.wrapProjections((name, base) -> name.equals("model.layers.1.self_attn.v_proj")
          ? x -> base.apply(x).add(x.matMul(a.transpose()).matMul(b.transpose()))
          : base);
      float grad;
      float l0;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray l = loss(m, mgr);
        l0 = l.getFloat();
        gc.backward(l);
      }
      grad = b.getGradient().getFloat(3, 1);
      assertThat(a.getGradient().abs().sum().getFloat()).isPositive();
      // Central difference on one element of B.
      float eps = 1e-2f;
      float orig = b.getFloat(3, 1);
      b.set(new ai.djl.ndarray.index.NDIndex(3, 1), orig + eps);
      float lp = loss(m, mgr).getFloat();
      b.set(new ai.djl.ndarray.index.NDIndex(3, 1), orig - eps);
      float lm = loss(m, mgr).getFloat();
      b.set(new ai.djl.ndarray.index.NDIndex(3, 1), orig);
      double fd = (lp - lm) / (2.0 * eps);
      assertThat(l0).isPositive();
      assertThat((double) grad).isCloseTo(fd, within(0.05 * Math.abs(fd) + 1e-4));
    }
  }
}
