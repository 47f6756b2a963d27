package dev.medadapt.core.model.qwen2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.testing.TestResources;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KvCacheTest {
  private static Qwen2Model model;
  private static final long[] IDS = {153, 117, 128, 8, 110, 179, 214, 117, 70, 103, 100, 32};

  @BeforeAll
  static void load() {
    model = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-f32"), Device.cpu(), Precision.FP32);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  static double relError(float[] got, float[] ref) {
    assertThat(got).hasSameSizeAs(ref);
    double d = 0;
    double r = 0;
    for (int i = 0; i < ref.length; i++) {
      d = Math.max(d, Math.abs(got[i] - ref[i]));
      r = Math.max(r, Math.abs(ref[i]));
    }
    return d / r;
  }

  @Test
  void cachedDecodingGivesTheFullForwardLogits() {
    try (NDManager req = model.manager().newSubManager()) {
      float[] full = model.forward(req.create(new long[][] {IDS})).toFloatArray();
      int v = model.config().vocabSize();
      float[] cached = new float[full.length];
      try (KvCache cache = model.newCache(req, 1)) {
        int prefill = 5;
        float[] first = model.forward(req.create(new long[][] {Arrays.copyOf(IDS, prefill)}), null, cache)
            .toFloatArray();
        System.arraycopy(first, 0, cached, 0, first.length);
        for (int i = prefill; i < IDS.length; i++) {
          try (NDManager step = req.newSubManager()) {
            float[] row = model.forward(step.create(new long[][] {{IDS[i]}}), null, cache).toFloatArray();
            assertThat(row).hasSize(v);
            System.arraycopy(row, 0, cached, i * v, v);
          }
        }
        assertThat(cache.length()).isEqualTo(IDS.length);
      }
      assertThat(relError(cached, full)).isLessThanOrEqualTo(1e-4);
    }
  }

  @Test
  void leftPaddedBatchMatchesUnbatchedRows() {
    long[] a = Arrays.copyOf(IDS, 12);
    long[] b = Arrays.copyOfRange(IDS, 3, 10); // 7 tokens, left-padded by 5
    int v = model.config().vocabSize();
    try (NDManager req = model.manager().newSubManager()) {
      float[] fa = model.forward(req.create(new long[][] {a})).toFloatArray();
      float[] fb = model.forward(req.create(new long[][] {b})).toFloatArray();
      long[] padded = new long[12];
      long[] maskB = new long[12];
      System.arraycopy(b, 0, padded, 5, 7);
      Arrays.fill(maskB, 5, 12, 1);
      long[] maskA = new long[12];
      Arrays.fill(maskA, 1);
      try (KvCache cache = model.newCache(req, 2)) {
        float[] both = model.forward(req.create(new long[][] {a, padded}), new long[][] {maskA, maskB}, cache)
            .toFloatArray();
        assertThat(relError(Arrays.copyOfRange(both, 0, 12 * v), fa)).isLessThanOrEqualTo(1e-4);
        assertThat(relError(Arrays.copyOfRange(both, (12 + 5) * v, 24 * v), fb)).isLessThanOrEqualTo(1e-4);
        // One cached step more for both rows equals the unbatched full forward of the extended sequences.
        float[] next = model.forward(req.create(new long[][] {{7}, {9}}), null, cache).toFloatArray();
        float[] fa2 = model.forward(req.create(new long[][] {append(a, 7)})).toFloatArray();
        float[] fb2 = model.forward(req.create(new long[][] {append(b, 9)})).toFloatArray();
        assertThat(relError(Arrays.copyOfRange(next, 0, v), Arrays.copyOfRange(fa2, 12 * v, 13 * v)))
            .isLessThanOrEqualTo(1e-4);
        assertThat(relError(Arrays.copyOfRange(next, v, 2 * v), Arrays.copyOfRange(fb2, 7 * v, 8 * v)))
            .isLessThanOrEqualTo(1e-4);
      }
    }
  }

  private static long[] append(long[] x, long t) {
    long[] y = Arrays.copyOf(x, x.length + 1);
    y[x.length] = t;
    return y;
  }

  @Test
  void inferenceFreesEachLayersIntermediatesBeforeReturning() {
    try (NDManager req = model.manager().newSubManager()) {
      model.forward(req.create(new long[][] {IDS}));
      // Inputs, rotary tables, mask, final norm and logits remain (about a dozen); a layer alone
      // creates over 40 intermediates, so keeping them would leave 80+ arrays here.
      assertThat(((ai.djl.ndarray.BaseNDManager) req).getManagedArrays()).hasSizeLessThan(20);
    }
  }

  @Test
  void closingTheRequestManagerFreesEverything() {
    NDArray probe;
    try (NDManager req = model.manager().newSubManager(); KvCache cache = model.newCache(req, 1)) {
      probe = model.forward(req.create(new long[][] {IDS}), null, cache);
      assertThat(probe.isReleased()).isFalse();
    }
    assertThat(probe.isReleased()).isTrue();
  }
}
