package dev.medadapt.train.lora;

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
import dev.medadapt.train.CausalLmLoss;
import dev.medadapt.train.DeterministicRandom;
import dev.medadapt.train.data.Batch;
import dev.medadapt.train.data.TokenizedSequence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoraGradientTest {
  private static final int I = TokenizedSequence.IGNORE_INDEX;

  private static Batch batch() {
    int[] ids1 = {5, 17, 99, 3, 250, 42, 7, 8};
    int[] ids2 = {11, 12, 13, 14, 15, 16, 17, 18};
    int[] lab1 = {I, I, I, 3, 250, 42, 7, 8};
    int[] lab2 = {I, 12, 13, I, I, 16, 17, 18};
    return Batch.of(List.of(new TokenizedSequence(ids1, lab1), new TokenizedSequence(ids2, lab2)), 0);
  }

  private static LoraModel attachWithRandomB(Qwen2Model m) {
    LoraConfig cfg = LoraConfig.builder().rank(2).alpha(4).dropout(0.1)
        .targetModules("q_proj", "v_proj", "down_proj", "embed_tokens", "lm_head").build();
    LoraModel lm = LoraModel.attach(m, cfg, 11);
    // PEFT starts with B = 0 (embedding: A = 0), where dL/dA = 0; give every factor values so both get gradient.
    LoraAdapter a = lm.toAdapter();
    DeterministicRandom r = new DeterministicRandom(5);
    for (LoraPair p : a.modules().values()) {
      for (float[] d : List.of(p.a().data(), p.b().data())) {
        for (int i = 0; i < d.length; i++) {
          d[i] = (float) (0.1 * r.nextGaussian());
        }
      }
    }
    lm.load(a);
    return lm;
  }

  /** The adapter with element i of parameter {@code param} ("module.lora_A"/"module.lora_B") shifted by delta. */
  private static LoraAdapter perturbed(LoraAdapter a, String param, int i, double delta) {
    String module = param.substring(0, param.lastIndexOf('.'));
    LoraPair p = a.modules().get(module);
    float[] d = param.endsWith("lora_A") ? p.a().data() : p.b().data();
    d[i] = (float) (d[i] + delta);
    return a;
  }

  private static double loss(LoraModel lm, Batch b) {
    try (NDManager mb = lm.model().manager().newSubManager()) {
      NDArray ids = mb.create(toLong(b.inputIds()), new Shape(b.batchSize(), b.length()));
      return CausalLmLoss.sum(lm.model().forward(ids), b).getFloat();
    }
  }

  @Test
  void loraGradientsMatchFiniteDifferences() {
    try (Qwen2Model m = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(), Precision.FP32)) {
      LoraModel lm = attachWithRandomB(m);
      Batch b = batch();
      Map<String, NDArray> params = lm.parameters();
      java.util.List<String> names = new java.util.ArrayList<>(params.keySet());
      Map<String, float[]> grads = new java.util.LinkedHashMap<>();
      try (NDManager mb = m.manager().newSubManager();
          GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        lm.trainingContext(1, 2, 3);
        NDArray ids = mb.create(toLong(b.inputIds()), new Shape(b.batchSize(), b.length()));
        gc.backward(CausalLmLoss.sum(m.forward(ids), b));
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
          try (NDArray g = e.getValue().getGradient()) {
            grads.put(e.getKey(), g.toFloatArray());
          }
        }
      }
      int checked = 0;
      double worst = 0;
      for (Map.Entry<String, float[]> e : grads.entrySet()) {
        float[] g = e.getValue();
        // the 2 entries with the largest gradient of each factor
        Integer[] order = new Integer[g.length];
        for (int i = 0; i < g.length; i++) {
          order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Float.compare(Math.abs(g[y]), Math.abs(g[x])));
        for (int k = 0; k < 2; k++) {
          int i = order[k];
          double h = 1e-2;
          lm.load(perturbed(lm.toAdapter(), e.getKey(), i, h));
          lm.trainingContext(1, 2, 3);
          double plus = loss(lm, b);
          lm.load(perturbed(lm.toAdapter(), e.getKey(), i, -2 * h));
          lm.trainingContext(1, 2, 3);
          double minus = loss(lm, b);
          lm.load(perturbed(lm.toAdapter(), e.getKey(), i, h));
          double fd = (plus - minus) / (2 * h);
          double err = Math.abs(fd - g[i]) / (1e-2 + Math.abs(g[i]));
          worst = Math.max(worst, err);
          assertThat(err).as("%s[%d]: autograd %s vs finite difference %s", e.getKey(), i, g[i], fd)
              .isLessThan(1e-2);
          checked++;
        }
        assertThat(Math.abs(g[order[0]])).as("%s has a non-zero gradient", e.getKey()).isGreaterThan(1e-4f);
      }
      assertThat(checked).isEqualTo(2 * 16); // 2 layers x (q, v, down) + embed_tokens + lm_head = 8 modules, A and B
      System.err.println("LoRA gradient vs finite differences: worst relative error " + worst);
    }
  }

  @Test
  void maskedPositionsContributeZeroGradient() {
    try (NDManager mgr = NDManager.newBaseManager("PyTorch")) {
      Batch b = batch();
      DeterministicRandom r = new DeterministicRandom(9);
      float[] l = new float[2 * 8 * 256];
      for (int i = 0; i < l.length; i++) {
        l[i] = (float) r.nextGaussian();
      }
      NDArray logits = mgr.create(l, new Shape(2, 8, 256));
      logits.setRequiresGradient(true);
      float[] g;
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        gc.backward(CausalLmLoss.sum(logits, b));
        g = logits.getGradient().toFloatArray();
      }
      for (int row = 0; row < 2; row++) {
        for (int t = 0; t < 8; t++) {
          boolean target = t < 7 && b.labels()[row * 8 + t + 1] != I;
          double norm = 0;
          for (int v = 0; v < 256; v++) {
            norm += Math.abs(g[(row * 8 + t) * 256 + v]);
          }
          if (target) {
            assertThat(norm).as("row %d pos %d predicts a label", row, t).isGreaterThan(0.1);
          } else {
            assertThat(norm).as("row %d pos %d is masked", row, t).isZero();
          }
        }
      }
    }
  }

  @Test
  void aFullyMaskedRowAddsNoLoraGradient() {
    try (Qwen2Model m = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(), Precision.FP32)) {
      LoraModel lm = attachWithRandomB(m);
      TokenizedSequence row0 = new TokenizedSequence(new int[] {5, 17, 99, 3, 250, 42, 7, 8}, new int[] {I, I, I, 3, 250, 42, 7, 8});
      int[] ids1 = {11, 12, 13, 14, 15, 16, 17, 18};
      int[] none = {I, I, I, I, I, I, I, I};
      float[] alone = gradOfFirstA(lm, Batch.of(List.of(row0), 0));
      float[] withMaskedRow = gradOfFirstA(lm, Batch.of(List.of(row0, new TokenizedSequence(ids1, none)), 0));
      assertThat(alone).hasSameSizeAs(withMaskedRow);
      double maxAbs = 0;
      for (float v : alone) {
        maxAbs = Math.max(maxAbs, Math.abs(v));
      }
      assertThat(maxAbs).isGreaterThan(1e-4);
      for (int i = 0; i < alone.length; i++) {
        // same math on a batch of 1 vs 2 rows: equal up to float32 rounding of the batched products
        assertThat((double) withMaskedRow[i]).isCloseTo(alone[i], org.assertj.core.api.Assertions.within(1e-5 * maxAbs));
      }
      // while the same row with its labels supervised does add gradient
      float[] withSupervisedRow = gradOfFirstA(lm, Batch.of(List.of(row0, new TokenizedSequence(ids1, ids1)), 0));
      double diff = 0;
      for (int i = 0; i < alone.length; i++) {
        diff = Math.max(diff, Math.abs(withSupervisedRow[i] - alone[i]));
      }
      assertThat(diff).isGreaterThan(1e-3 * maxAbs);
    }
  }

  private static float[] gradOfFirstA(LoraModel lm, Batch b) {
    NDArray p = lm.parameters().values().iterator().next();
    try (NDManager mb = lm.model().manager().newSubManager();
        GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
      lm.evalContext();
      NDArray ids = mb.create(toLong(b.inputIds()), new Shape(b.batchSize(), b.length()));
      gc.backward(CausalLmLoss.sum(lm.model().forward(ids), b));
      float[] g;
      try (NDArray gr = p.getGradient()) {
        g = gr.toFloatArray();
        gr.subi(gr);
      }
      for (NDArray q : lm.parameters().values()) {
        try (NDArray gr = q.getGradient()) {
          gr.subi(gr);
        }
      }
      return g;
    }
  }

  static long[] toLong(int[] a) {
    long[] l = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      l[i] = a[i];
    }
    return l;
  }
}
