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
import dev.medadapt.train.CausalLmLoss;
import dev.medadapt.train.DeterministicRandom;
import dev.medadapt.train.data.Batch;
import dev.medadapt.train.data.TokenizedSequence;
import dev.medadapt.train.lora.LoraAdapter;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.lora.LoraModel;
import dev.medadapt.train.lora.LoraPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chunked, supervised-rows-only loss equals the full-logits loss in value and in every LoRA gradient. */
class ChunkedLmHeadLossTest {
  private static final int I = TokenizedSequence.IGNORE_INDEX;

  /** Two rows, the second one shorter (right padding), prompt positions ignored. */
  private static Batch batch() {
    int[] ids1 = {5, 17, 99, 3, 250, 42, 7, 8, 61, 62};
    int[] lab1 = {I, I, I, 3, 250, 42, 7, 8, 61, 62};
    int[] ids2 = {11, 12, 13, 14, 15, 16, 17};
    int[] lab2 = {I, 12, 13, I, I, 16, 17};
    return Batch.of(List.of(new TokenizedSequence(ids1, lab1), new TokenizedSequence(ids2, lab2)), 0);
  }

  private static long[][] mask(Batch b) {
    long[][] m = new long[b.batchSize()][b.length()];
    for (int r = 0; r < b.batchSize(); r++) {
      for (int t = 0; t < b.length(); t++) {
        m[r][t] = b.attentionMask()[r * b.length() + t];
      }
    }
    return m;
  }

  private static LoraModel attachWithRandomFactors(Qwen2Model m) {
    return attachWithRandomFactors(m, "q_proj", "v_proj", "o_proj", "down_proj");
  }

  private static LoraModel attachWithRandomFactors(Qwen2Model m, String... targets) {
    LoraConfig cfg = LoraConfig.builder().rank(2).alpha(4).dropout(0.1).targetModules(targets).build();
    LoraModel lm = LoraModel.attach(m, cfg, 11);
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

  private record Outcome(double loss, Map<String, float[]> grads) {}

  private static Outcome run(LoraModel lm, Batch b, boolean chunked) {
    Map<String, NDArray> params = lm.parameters();
    params.values().forEach(LoraModel::zeroGradient);
    Map<String, float[]> grads = new LinkedHashMap<>();
    double loss;
    try (NDManager mb = lm.model().manager().newSubManager();
        GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
      lm.trainingContext(1, 2, 3); // dropout on: both paths must draw the same masks
      long[] ids = new long[b.inputIds().length];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = b.inputIds()[i];
      }
      NDArray idArr = OwnedArrays.of(mb, ids, new Shape(b.batchSize(), b.length()));
      if (chunked) {
        // 3 rows per chunk: several chunks and a ragged last one
        long vocab = lm.model().config().vocabSize();
        ChunkedLmHeadLoss.Pass p = ChunkedLmHeadLoss.run(lm.model(), idArr, mask(b), b, true, 3 * vocab);
        loss = p.lossSum();
        gc.backward(p.surrogate());
      } else {
        NDArray sum = CausalLmLoss.sum(lm.model().forward(idArr, mask(b), null), b);
        loss = sum.getFloat();
        gc.backward(sum);
      }
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        grads.put(e.getKey(), e.getValue().getGradient().toFloatArray());
      }
    } finally {
      lm.evalContext();
    }
    return new Outcome(loss, grads);
  }

  /** Loss within 1e-5 relative; every LoRA gradient non-zero and within 1e-5 of its largest entry. */
  private static void assertSameLossAndGradients(Outcome got, Outcome expected) {
    assertThat(got.loss()).isCloseTo(expected.loss(), org.assertj.core.api.Assertions.within(1e-5 * expected.loss()));
    assertThat(got.grads().keySet()).isEqualTo(expected.grads().keySet());
    for (Map.Entry<String, float[]> e : expected.grads().entrySet()) {
      float[] g = e.getValue();
      float[] c = got.grads().get(e.getKey());
      double scale = 0;
      for (float v : g) {
        scale = Math.max(scale, Math.abs(v));
      }
      assertThat(scale).as("gradient of %s is not zero", e.getKey()).isGreaterThan(1e-6);
      for (int i = 0; i < g.length; i++) {
        assertThat((double) c[i]).as("%s[%d]", e.getKey(), i)
            .isCloseTo(g[i], org.assertj.core.api.Assertions.within(1e-5 * scale + 1e-8));
      }
    }
  }

  @Test
  void sameLossAndGradientsAsFullLogits() {
    try (Qwen2Model m = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(), Precision.FP32)) {
      LoraModel lm = attachWithRandomFactors(m);
      assertThat(ChunkedLmHeadLoss.supports(m)).isTrue();
      Batch b = batch();
      Outcome full = run(lm, b, false);
      Outcome chunked = run(lm, b, true);
      assertThat(full.loss()).isGreaterThan(1.0);
      assertSameLossAndGradients(chunked, full);
      // and the loss alone (evaluation) is the same number
      try (NDManager mb = m.manager().newSubManager()) {
        long[] ids = java.util.Arrays.stream(b.inputIds()).asLongStream().toArray();
        double eval = ChunkedLmHeadLoss.run(m, OwnedArrays.of(mb, ids, new Shape(b.batchSize(), b.length())), mask(b),
            b, false, 4 * m.config().vocabSize()).lossSum();
        double evalFull = CausalLmLoss.sum(m.forward(mb.create(ids, new Shape(b.batchSize(), b.length())), mask(b),
            null), b).getFloat();
        assertThat(eval).isCloseTo(evalFull, org.assertj.core.api.Assertions.within(1e-5 * evalFull));
      }
    }
  }

  /** A float32 training base of a BF16 checkpoint holds lm_head as bfloat16 bits: same loss and LoRA gradients. */
  @Test
  void aBfloat16HostHeadGivesTheLossAndGradientsOfTheDenseHead() {
    java.nio.file.Path dir = TestResources.tinyModel("qwen2-tiny-bf16-tied");
    try (Qwen2Model dense = Qwen2Model.load(dir, Device.cpu(), Precision.FP32);
        Qwen2Model bits = BaseModels.load(dir, Device.cpu(), Precision.FP32, dev.medadapt.core.model.Quantization.NONE)) {
      assertThat(bits.projection("lm_head")).isInstanceOf(dev.medadapt.core.model.qwen2.Bf16LinearProjection.class);
      assertThat(ChunkedLmHeadLoss.supports(bits)).isTrue();
      Batch b = batch();
      LoraModel loraBits = attachWithRandomFactors(bits); // the same factors on both bases
      Outcome expected = run(attachWithRandomFactors(dense), b, false);
      Outcome got = run(loraBits, b, true);
      assertSameLossAndGradients(got, expected);
      // the full-logits path (e.g. evaluation without the chunked loss) through the widened chunks is the same too
      Outcome fullBits = run(loraBits, b, false);
      assertThat(fullBits.loss()).isCloseTo(expected.loss(), org.assertj.core.api.Assertions.within(1e-5 * expected.loss()));
    }
  }

  /**
   * LoRA on the bfloat16 embedding and lm_head themselves (the CPT recipe's targets): the full-logits path through
   * the widened chunks gives the dense base's loss and gradients, the embedding and lm_head factors' included.
   */
  @Test
  void loraOnABfloat16HostEmbeddingAndHeadMatchesTheDenseBase() {
    java.nio.file.Path dir = TestResources.tinyModel("qwen2-tiny-bf16-tied");
    String[] targets = {"embed_tokens", "lm_head", "q_proj", "down_proj"};
    try (Qwen2Model dense = Qwen2Model.load(dir, Device.cpu(), Precision.FP32);
        Qwen2Model bits = BaseModels.load(dir, Device.cpu(), Precision.FP32, dev.medadapt.core.model.Quantization.NONE)) {
      LoraModel loraBits = attachWithRandomFactors(bits, targets);
      assertThat(ChunkedLmHeadLoss.supports(bits)).isFalse();
      Batch b = batch();
      Outcome expected = run(attachWithRandomFactors(dense, targets), b, false);
      assertThat(expected.grads().keySet()).anyMatch(k -> k.startsWith("lm_head."))
          .anyMatch(k -> k.startsWith("model.embed_tokens."));
      assertSameLossAndGradients(run(loraBits, b, false), expected);
    }
  }

  @Test
  void loraOnLmHeadFallsBackToFullLogits() {
    try (Qwen2Model m = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(), Precision.FP32)) {
      assertThat(ChunkedLmHeadLoss.supports(m)).isTrue();
      LoraModel.attach(m, LoraConfig.builder().rank(2).targetModules("lm_head").build(), 1);
      assertThat(ChunkedLmHeadLoss.supports(m)).isFalse();
    }
  }

  @Test
  void aFloat16HeadWidenedChunkByChunkEqualsItsFloat32Copy() {
    long seed = 77;
    DeterministicRandom r = new DeterministicRandom(seed);
    Batch b = batch();
    try (NDManager mgr = NDManager.newBaseManager("PyTorch")) {
      int h = 48;
      int vocab = 256;
      float[] hid = new float[b.batchSize() * b.length() * h];
      float[] w = new float[vocab * h];
      for (int i = 0; i < hid.length; i++) {
        hid[i] = (float) r.nextGaussian();
      }
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (0.3 * r.nextGaussian());
      }
      NDArray w16 = mgr.create(w, new Shape(vocab, h)).toType(ai.djl.ndarray.types.DataType.FLOAT16, false);
      NDArray w32 = w16.toType(ai.djl.ndarray.types.DataType.FLOAT32, false); // the same (rounded) weights
      float[][] grads = new float[2][];
      double[] losses = new double[2];
      NDArray[] weights = {w16, w32};
      for (int k = 0; k < 2; k++) {
        NDArray hidden = mgr.create(hid, new Shape(b.batchSize(), b.length(), h));
        hidden.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
          ChunkedLmHeadLoss.Pass p = ChunkedLmHeadLoss.loss(hidden, ChunkedLmHeadLoss.rows(weights[k]), b, true, 5L * h);
          losses[k] = p.lossSum();
          gc.backward(p.surrogate());
          grads[k] = hidden.getGradient().toFloatArray();
        }
      }
      assertThat(losses[0]).as("seed %d", seed).isGreaterThan(1.0)
          .isCloseTo(losses[1], org.assertj.core.api.Assertions.within(1e-5 * losses[1]));
      double scale = 0;
      double diff = 0;
      for (int i = 0; i < grads[1].length; i++) {
        scale = Math.max(scale, Math.abs(grads[1][i]));
        diff = Math.max(diff, Math.abs(grads[0][i] - grads[1][i]));
      }
      assertThat(scale).isGreaterThan(1e-3);
      assertThat(diff / scale).as("seed %d", seed).isLessThanOrEqualTo(1e-6);
    }
  }
}
