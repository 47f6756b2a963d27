package dev.medadapt.core.model.qwen2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.testing.TestResources;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decode step on Java arrays against the tensor-operation step, on the same model and inputs. */
class HostDecoderTest {
  private static final long[] A = {153, 117, 128, 8, 110, 179, 214, 117, 70, 103, 100, 32};
  private static final long[] B = {110, 179, 214, 117, 70, 103, 100};

  /**
   * Runs a left-padded two-row batch: a prefill, {@code steps} single-token steps (one of them with row 1's token
   * marked as padding), a three-token chunk after them, more single steps, then a branch of row 0's cache. Returns the
   * logits of every call in order.
   */
  private static List<float[]> run(Qwen2Model model, boolean host, int steps) {
    model.hostDecoding(host);
    List<float[]> out = new ArrayList<>();
    int vocab = model.config().vocabSize();
    try (NDManager req = model.manager().newSubManager()) {
      long[] padded = new long[A.length];
      long[] maskB = new long[A.length];
      System.arraycopy(B, 0, padded, A.length - B.length, B.length);
      Arrays.fill(maskB, A.length - B.length, A.length, 1);
      long[] maskA = new long[A.length];
      Arrays.fill(maskA, 1);
      try (KvCache cache = model.newCache(req, 2)) {
        out.add(model.forward(req.create(new long[][] {A, padded}), new long[][] {maskA, maskB}, cache, true)
            .toFloatArray());
        for (int i = 0; i < steps; i++) {
          try (NDManager step = req.newSubManager()) {
            long[][] mask = i == 3 ? new long[][] {{1}, {0}} : null;
            out.add(model.forward(step.create(new long[][] {{(7 * i + 5) % vocab}, {(11 * i + 3) % vocab}}), mask,
                cache, true).toFloatArray());
          }
        }
        // A chunk of several tokens after host steps reads keys and values the host wrote.
        out.add(model.forward(req.create(new long[][] {{5, 6, 7}, {8, 9, 10}}), null, cache, false).toFloatArray());
        for (int i = 0; i < 3; i++) {
          out.add(model.forward(req.create(new long[][] {{20 + i}, {30 + i}}), null, cache, true).toFloatArray());
        }
        assertThat(cache.length()).isEqualTo(A.length + steps + 6);
      }
      try (KvCache one = model.newCache(req, 1)) {
        model.forward(req.create(new long[][] {A}), null, one, true);
        for (int i = 0; i < 4; i++) {
          out.add(model.forward(req.create(new long[][] {{40 + i}}), null, one, true).toFloatArray());
        }
        try (KvCache branches = one.branch(req, 3)) {
          out.add(model.forward(req.create(new long[][] {{1}, {2}, {3}}), null, branches, true).toFloatArray());
          out.add(model.forward(req.create(new long[][] {{4, 5}, {6, 7}, {8, 9}}), null, branches, false)
              .toFloatArray());
        }
      }
    } finally {
      model.hostDecoding(true);
    }
    return out;
  }

  private static void assertSame(List<float[]> host, List<float[]> tensor, double tolerance) {
    assertThat(host).hasSameSizeAs(tensor);
    for (int i = 0; i < host.size(); i++) {
      assertThat(KvCacheTest.relError(host.get(i), tensor.get(i))).as("call %d", i).isLessThanOrEqualTo(tolerance);
    }
  }

  @Test
  void float32ModelDecodesAsTheTensorPathAcrossCacheGrowthPaddingChunksAndBranches() {
    try (Qwen2Model model = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(),
        Precision.FP32)) {
      // 300 steps: both the host copy and the tensors grow past their first 256 columns.
      assertSame(run(model, true, 300), run(model, false, 300), 1e-5);
    }
  }

  @Test
  void int8ModelDecodesAsTheTensorPath() {
    try (Qwen2Model model = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(),
        Precision.FP32, Int8Projection.loader(Precision.FP32))) {
      assertSame(run(model, true, 20), run(model, false, 20), 1e-5);
    }
  }

  @Test
  void float16TiedModelDecodesAsTheTensorPath() {
    // Dense float16 layers take the tensor product per projection inside the host step.
    try (Qwen2Model model = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-bf16-tied"), Device.cpu(),
        Precision.FP16)) {
      assertSame(run(model, true, 20), run(model, false, 20), 1e-3);
    }
  }

  @Test
  void bf16PrecisionDecodesOnTheBitsAsTheTensorPath() {
    try (Qwen2Model model = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-bf16-tied"), Device.cpu(),
        Precision.BF16)) {
      assertThat(model.projection("model.layers.1.mlp.down_proj")).isInstanceOf(Bf16LinearProjection.class);
      assertSame(run(model, true, 20), run(model, false, 20), 1e-5);
    }
  }

  @Test
  void nf4ModelOfABf16CheckpointKeepsLmHeadAsBitsAndDecodesAsTheTensorPath() {
    // NF4 layers leave lm_head dense: a BF16 checkpoint's stays as its bits (here tied to the embedding).
    try (Qwen2Model model = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-bf16-tied"), Device.cpu(),
        Precision.FP32, Nf4Projection.loader(dev.medadapt.core.quant.Nf4Codec.builder().build(), Precision.FP32))) {
      assertThat(model.projection("lm_head")).isInstanceOf(Bf16LinearProjection.class);
      assertThat(model.projection("model.embed_tokens")).isInstanceOf(Bf16EmbeddingProjection.class);
      assertSame(run(model, true, 20), run(model, false, 20), 1e-5);
    }
  }

  @Test
  void aProjectionReplacedAfterLoadingIsTheOneTheHostStepUses() {
    // A wrapper installed after loading (as LoRA does) is what both paths run.
    try (Qwen2Model model = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(),
        Precision.FP32)) {
      List<float[]> before = run(model, true, 5);
      model.wrapProjections((name, base) -> name.endsWith("q_proj") || name.endsWith("up_proj")
          ? x -> base.apply(x).mul(1.5f) : base);
      List<float[]> host = run(model, true, 5);
      assertSame(host, run(model, false, 5), 1e-5);
      assertThat(KvCacheTest.relError(host.get(1), before.get(1))).isGreaterThan(1e-3);
    }
  }

  @Test
  void aClosedCacheRefusesFurtherStepsOnBothPaths() {
    try (Qwen2Model model = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(),
        Precision.FP32); NDManager req = model.manager().newSubManager()) {
      for (boolean host : new boolean[] {true, false}) {
        model.hostDecoding(host);
        KvCache cache = model.newCache(req, 1);
        model.forward(req.create(new long[][] {A}), null, cache, true);
        model.forward(req.create(new long[][] {{5}}), null, cache, true);
        cache.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> model.forward(req.create(new long[][] {{6}}), null, cache, true))
            .as("host step %s", host).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
      }
      model.hostDecoding(true);
    }
  }

  @Test
  void aRowWithEveryColumnMaskedAveragesThemAsTheTensorPathDoes() {
    try (Qwen2Model model = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(),
        Precision.FP32)) {
      List<float[]> got = new ArrayList<>();
      for (boolean host : new boolean[] {true, false}) {
        model.hostDecoding(host);
        try (NDManager req = model.manager().newSubManager(); KvCache cache = model.newCache(req, 2)) {
          model.forward(req.create(new long[][] {{5, 6, 7}, {0, 0, 0}}), new long[][] {{1, 1, 1}, {0, 0, 0}}, cache,
              true);
          got.add(model.forward(req.create(new long[][] {{8}, {9}}), new long[][] {{1}, {0}}, cache, true)
              .toFloatArray());
        }
      }
      model.hostDecoding(true);
      assertThat(KvCacheTest.relError(got.get(0), got.get(1))).isLessThanOrEqualTo(1e-5);
    }
  }
}
