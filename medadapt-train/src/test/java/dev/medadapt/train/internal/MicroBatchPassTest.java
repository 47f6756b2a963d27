package dev.medadapt.train.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.testing.TestResources;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Layer-wise activation checkpointing gives the gradients of the full autograd graph: same loss, same LoRA
 * gradients (≤ 1e-5 of each factor's largest gradient), on a padded batch with dropout on, with attention blocks of a
 * few rows (several blocks per layer), for LoRA on the projections only (chunked lm_head loss) and on embed_tokens
 * and lm_head too (full-logits loss, embedding backward).
 */
class MicroBatchPassTest {
  private static final int I = TokenizedSequence.IGNORE_INDEX;

  static Batch paddedBatch(long seed) {
    DeterministicRandom r = new DeterministicRandom(seed);
    int[] ids1 = new int[23];
    int[] lab1 = new int[23];
    for (int i = 0; i < ids1.length; i++) {
      ids1[i] = (int) (r.nextDouble() * 256);
      lab1[i] = i < 6 ? I : ids1[i];
    }
    int[] ids2 = new int[15];
    int[] lab2 = new int[15];
    for (int i = 0; i < ids2.length; i++) {
      ids2[i] = (int) (r.nextDouble() * 256);
      lab2[i] = i % 3 == 0 ? I : ids2[i];
    }
    // the second row is shorter: Batch pads it (attention mask 0, labels -100)
    return Batch.of(List.of(new TokenizedSequence(ids1, lab1), new TokenizedSequence(ids2, lab2)), 0);
  }

  static LoraModel attachWithRandomFactors(Qwen2Model m, List<String> targets, long seed) {
    LoraConfig cfg = LoraConfig.builder().rank(4).alpha(8).dropout(0.1).targetModules(targets).build();
    LoraModel lm = LoraModel.attach(m, cfg, seed);
    // PEFT starts with B = 0 (embedding: A = 0), where dL/dA = 0; give every factor values so all get gradient.
    LoraAdapter a = lm.toAdapter();
    DeterministicRandom r = new DeterministicRandom(seed + 1);
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

  private record Result(double loss, Map<String, float[]> grads) {}

  private static Result run(LoraModel lm, Batch b, boolean checkpointed) {
    Map<String, NDArray> params = lm.parameters();
    Map<String, float[]> grads = new LinkedHashMap<>();
    double loss;
    try (NDManager sub = lm.model().manager().newSubManager();
        GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
      lm.trainingContext(7, 3, 1);
      // Attention blocks of 3 query rows, MLP slices of 5 positions: several of each per layer.
      long mlpSlice = 5L * b.batchSize() * lm.model().config().intermediateSize();
      MicroBatchPass pass = checkpointed
          ? MicroBatchPass.checkpointed(lm, sub, b, 3L * 6 * 23, mlpSlice)
          : MicroBatchPass.eager(lm.model(), sub, b);
      loss = pass.forward();
      pass.backward(gc, b.supervisedTargets());
      for (Map.Entry<String, NDArray> e : params.entrySet()) {
        try (NDArray g = e.getValue().getGradient()) {
          grads.put(e.getKey(), g.toFloatArray());
        }
        LoraModel.zeroGradient(e.getValue());
      }
    } finally {
      lm.evalContext();
    }
    return new Result(loss, grads);
  }

  @ParameterizedTest
  @CsvSource({"false, NONE", "true, NONE", "false, NF4"})
  void checkpointedGradientsEqualTheFullGraphs(boolean embeddingAndHead, Quantization quantization) {
    long seed = 20261206L;
    List<String> targets = new java.util.ArrayList<>(LoraConfig.ALL_PROJECTIONS);
    if (embeddingAndHead) {
      targets.add("embed_tokens");
      targets.add("lm_head");
    }
    // NF4: the eager graph keeps a copy of each dequantized weight, the recomputed layers reuse one buffer per
    // projection (Nf4FrozenLinear.LAYER_SCOPE); both must give the same gradients.
    try (Qwen2Model m = BaseModels.load(
        TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(), Precision.FP32, quantization)) {
      LoraModel lm = attachWithRandomFactors(m, targets, seed);
      assertThat(ChunkedLmHeadLoss.supports(m)).isEqualTo(!embeddingAndHead);
      Batch b = paddedBatch(seed);
      Result eager = run(lm, b, false);
      Result ckpt = run(lm, b, true);
      assertThat(ckpt.loss()).as("seed %d", seed).isCloseTo(eager.loss(),
          org.assertj.core.api.Assertions.within(1e-5 * Math.abs(eager.loss())));
      assertThat(ckpt.grads().keySet()).isEqualTo(eager.grads().keySet()).hasSize(2 * lm.modules().size());
      double worst = 0;
      for (String k : eager.grads().keySet()) {
        float[] e = eager.grads().get(k);
        float[] c = ckpt.grads().get(k);
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < e.length; i++) {
          scale = Math.max(scale, Math.abs(e[i]));
          diff = Math.max(diff, Math.abs(e[i] - c[i]));
        }
        assertThat(scale).as("%s has gradient", k).isGreaterThan(1e-6);
        worst = Math.max(worst, diff / scale);
        assertThat(diff / scale).as("seed %d, %s: max |checkpointed - eager| / max |eager|", seed, k)
            .isLessThanOrEqualTo(1e-5);
      }
      System.err.printf("checkpointed vs full graph (embedding/lm_head adapters %s, base %s): worst relative"
          + " difference %.2e%n", embeddingAndHead, quantization, worst);
    }
  }
}
