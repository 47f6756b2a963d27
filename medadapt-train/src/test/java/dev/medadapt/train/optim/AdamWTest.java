package dev.medadapt.train.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.medadapt.train.FloatTensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {

  /** torch.optim.AdamW's update, written out in double precision. */
  private static double[][] reference(double[] p, double[][] grads, double lr, double wd, boolean decay) {
    double b1 = 0.9;
    double b2 = 0.999;
    double eps = 1e-8;
    double[] m = new double[p.length];
    double[] v = new double[p.length];
    double[][] out = new double[grads.length][];
    p = p.clone();
    for (int t = 1; t <= grads.length; t++) {
      double[] g = grads[t - 1];
      for (int i = 0; i < p.length; i++) {
        if (decay) {
          p[i] *= 1 - lr * wd;
        }
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        double mhat = m[i] / (1 - Math.pow(b1, t));
        double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
        p[i] -= lr * mhat / denom;
      }
      out[t - 1] = p.clone();
    }
    return out;
  }

  @Test
  void stepsMatchHandComputedAdamW() {
    double[] p0 = {0.5, -1.25, 2.0, 0.0, 3.0, -0.75};
    double[][] grads = {{0.1, -0.2, 0.3, 1e-4, -2.0, 0.0}, {-0.05, 0.4, 0.3, -1e-4, 1.0, 0.5}, {0.2, 0.2, -0.1, 0, 0, 1}};
    double lr = 1e-2;
    double wd = 0.1;
    double[][] ref = reference(p0, grads, lr, wd, true);
    double[][] refNoDecay = reference(p0, grads, lr, wd, false);
    try (NDManager mgr = NDManager.newBaseManager("PyTorch")) {
      NDArray w = mgr.create(toFloat(p0), new ai.djl.ndarray.types.Shape(2, 3));
      NDArray bias = mgr.create(toFloat(p0), new ai.djl.ndarray.types.Shape(2, 3));
      AdamW opt = AdamW.withDefaults();
      ParamGroup g = new ParamGroup("lora", lr, wd);
      opt.add("layer.lora_A.weight", w, g);
      opt.add("layer.bias", bias, g);
      for (int t = 0; t < grads.length; t++) {
        NDArray grad = mgr.create(toFloat(grads[t]), new ai.djl.ndarray.types.Shape(2, 3));
        opt.step(Map.of("layer.lora_A.weight", grad, "layer.bias", grad), 1.0);
        float[] got = w.toFloatArray();
        float[] gotBias = bias.toFloatArray();
        for (int i = 0; i < got.length; i++) {
          // float32 arithmetic vs double: a few ulps of values of magnitude <= 3
          assertThat((double) got[i]).as("step %d weight %d", t + 1, i).isCloseTo(ref[t][i], within(2e-6));
          assertThat((double) gotBias[i]).as("step %d bias %d", t + 1, i).isCloseTo(refNoDecay[t][i], within(2e-6));
        }
      }
      assertThat(opt.stepCount()).isEqualTo(3);
      // decay actually changed something (the test would not notice a missing decay otherwise)
      assertThat(Math.abs(ref[2][4] - refNoDecay[2][4])).isGreaterThan(1e-4);
    }
  }

  @Test
  void lrFactorScalesTheUpdateAndZeroFactorOnlyMovesMoments() {
    try (NDManager mgr = NDManager.newBaseManager("PyTorch")) {
      NDArray w = mgr.create(new float[] {1f, 2f});
      AdamW opt = AdamW.withDefaults();
      opt.add("w", w, new ParamGroup("g", 1e-3, 0.01));
      opt.step(Map.of("w", mgr.create(new float[] {1f, -1f})), 0.0);
      assertThat(w.toFloatArray()).containsExactly(1f, 2f);
      Map<String, FloatTensor> st = opt.exportState();
      assertThat(st.get("w.exp_avg").data()[0]).isCloseTo(0.1f, within(1e-7f));
      assertThat(st.get("w.exp_avg_sq").data()[1]).isCloseTo(0.001f, within(1e-9f));
    }
  }

  @Test
  void exportImportContinuesBitIdentically() {
    try (NDManager mgr = NDManager.newBaseManager("PyTorch")) {
      float[][] gs = {{0.3f, -0.1f, 2f}, {0.7f, 0.2f, -1f}, {-0.4f, 0.9f, 0.5f}};
      NDArray a = mgr.create(new float[] {1, 2, 3});
      AdamW oa = AdamW.withDefaults();
      oa.add("p", a, new ParamGroup("g", 0.05, 0.01));
      for (float[] g : gs) {
        oa.step(Map.of("p", mgr.create(g)), 0.7);
      }
      NDArray b = mgr.create(new float[] {1, 2, 3});
      AdamW ob = AdamW.withDefaults();
      ob.add("p", b, new ParamGroup("g", 0.05, 0.01));
      ob.step(Map.of("p", mgr.create(gs[0])), 0.7);
      Map<String, FloatTensor> st = ob.exportState();
      float[] snapshot = b.toFloatArray();
      NDArray c = mgr.create(snapshot);
      AdamW oc = AdamW.withDefaults();
      oc.add("p", c, new ParamGroup("g", 0.05, 0.01));
      oc.importState(st, ob.stepCount());
      oc.step(Map.of("p", mgr.create(gs[1])), 0.7);
      oc.step(Map.of("p", mgr.create(gs[2])), 0.7);
      assertThat(c.toFloatArray()).containsExactly(a.toFloatArray());
    }
  }

  @Test
  void decayRuleSkipsBiasesAndNorms() {
    assertThat(ParamGroup.decays("model.layers.0.self_attn.q_proj.lora_A.weight")).isTrue();
    assertThat(ParamGroup.decays("model.layers.0.self_attn.q_proj.bias")).isFalse();
    assertThat(ParamGroup.decays("model.layers.0.input_layernorm.weight")).isFalse();
    assertThat(ParamGroup.decays("model.norm.weight")).isFalse();
  }

  @Test
  void clippingFollowsTorch() {
    try (NDManager mgr = NDManager.newBaseManager("PyTorch")) {
      NDArray g1 = mgr.create(new float[] {3f, 0f});
      NDArray g2 = mgr.create(new float[] {0f, 4f});
      double n = GradientClipping.clipGlobalNorm(List.of(g1, g2), 1.0);
      assertThat(n).isCloseTo(5.0, within(1e-9));
      double coef = 1.0 / (5.0 + 1e-6);
      assertThat((double) g1.getFloat(0)).isCloseTo(3 * coef, within(1e-7));
      assertThat((double) g2.getFloat(1)).isCloseTo(4 * coef, within(1e-7));
      NDArray small = mgr.create(new float[] {0.1f});
      GradientClipping.clipGlobalNorm(List.of(small), 1.0);
      assertThat(small.getFloat(0)).isEqualTo(0.1f);
      NDArray bad = mgr.create(new float[] {Float.NaN, 1f});
      assertThat(GradientClipping.clipGlobalNorm(List.of(bad), 1.0)).isNaN();
    }
  }

  @Test
  void schedulesMatchTransformersFormulas() {
    LrSchedule cos = LrSchedule.cosine(110, 10);
    assertThat(cos.factor(0)).isZero();
    assertThat(cos.factor(5)).isEqualTo(0.5);
    assertThat(cos.factor(10)).isEqualTo(1.0);
    assertThat(cos.factor(60)).isCloseTo(0.5, within(1e-15)); // half way through decay: 0.5(1+cos(pi/2))
    assertThat(cos.factor(35)).isCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.25)), within(1e-15));
    assertThat(cos.factor(110)).isCloseTo(0.0, within(1e-15));
    LrSchedule lin = LrSchedule.linear(110, 10);
    assertThat(lin.factor(3)).isEqualTo(0.3);
    assertThat(lin.factor(60)).isEqualTo(0.5);
    assertThat(lin.factor(200)).isZero();
    assertThat(LrSchedule.cosine(10, 0).factor(0)).isEqualTo(1.0);
    assertThat(Warmup.ratio(0.05).resolve(1001)).isEqualTo(51); // ceil(50.05)
    assertThat(Warmup.steps(300).resolve(5)).isEqualTo(300);
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }
}
