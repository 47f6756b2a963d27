package dev.medadapt.core.model.qwen2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.quant.internal.Float16;
import dev.medadapt.core.testing.TestResources;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinearProjectionTest {
  private static float[] random(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }

  /**
   * Where many rows widen a float16 weight, every row count gets the float32 product of the widened weight (fewer rows
   * in Java); where the weight is never widened (a CPU with float16 arithmetic), PyTorch's float16 product.
   */
  @Test
  void float16WeightsMultiplyInFloat32AtEveryRowCountWhereManyRowsWiden() {
    int in = 64;
    int out = 48;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w16 = m.create(random(out * in, 1), new Shape(out, in)).toType(DataType.FLOAT16, false);
      NDArray bias = m.create(random(out, 2), new Shape(out));
      LinearProjection p = new LinearProjection(w16, bias, LinearProjection.WIDEN_FROM_ROWS);
      LinearProjection neverWidened = new LinearProjection(w16, bias, Long.MAX_VALUE);
      NDArray w32 = w16.toType(DataType.FLOAT32, false);
      for (int rows : new int[] {1, 3, (int) LinearProjection.WIDEN_FROM_ROWS - 1, (int) LinearProjection.WIDEN_FROM_ROWS, 40}) {
        NDArray x = m.create(random(rows * in, 3 + rows), new Shape(1, rows, in));
        NDArray y = p.apply(x);
        assertThat(y.getShape()).isEqualTo(new Shape(1, rows, out));
        float[] got = y.toFloatArray();
        float[] wide = Linear.linear(x, w32, bias).singletonOrThrow().toFloatArray();
        float[] half = Linear.linear(x.toType(DataType.FLOAT16, false), w16, bias).singletonOrThrow()
            .toType(DataType.FLOAT32, false).toFloatArray();
        if (rows >= LinearProjection.WIDEN_FROM_ROWS) {
          assertThat(got).as("%d rows", rows).containsExactly(wide);
        } else {
          // the same float32 product, summed in another order
          assertThat(KvCacheTest.relError(got, wide)).as("%d rows", rows).isLessThan(1e-6);
        }
        assertThat(neverWidened.apply(x).toFloatArray()).as("%d rows, never widened", rows).containsExactly(half);
        // the two products really differ (float16 rounding of the input and the results)
        assertThat(KvCacheTest.relError(half, wide)).isGreaterThan(1e-5);
      }
      // Under autograd (the input needs a gradient) the float16 product is kept: nothing is freed early.
      NDArray x = m.create(random(40 * in, 9), new Shape(1, 40, in));
      x.setRequiresGradient(true);
      float[] half = Linear.linear(x.toType(DataType.FLOAT16, false), w16, bias).singletonOrThrow()
          .toType(DataType.FLOAT32, false).toFloatArray();
      assertThat(p.apply(x).toFloatArray()).containsExactly(half);
    }
  }

  @Test
  void float16LayerOnTheHostEqualsItsTensorProduct() {
    try (Qwen2Model model = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-bf16-tied"), Device.cpu(),
        Precision.FP16);
        NDManager m = model.manager().newSubManager()) {
      LinearProjection q = (LinearProjection) model.projection("model.layers.0.self_attn.q_proj");
      assertThat(q.bias()).isNotNull();
      assertThat(q.takesOnHost(1)).isTrue();
      int in = (int) q.inFeatures();
      int out = (int) q.outFeatures();
      float[] x = random(in, 3);
      float[] host = new float[out];
      q.multiplyHost(x, 1, host);
      NDArray x16 = m.create(x, new Shape(1, 1, in)).toType(DataType.FLOAT16, false);
      float[] half = Linear.linear(x16, q.weight(), q.bias()).singletonOrThrow().toType(DataType.FLOAT32, false)
          .toFloatArray();
      // PyTorch's float16 product on the same rounded input: equal bit for bit.
      assertThat(host).containsExactly(half);
      float[] tensor = q.apply(m.create(x, new Shape(1, 1, in))).toFloatArray();
      if (q.widenFromRows() == Long.MAX_VALUE) {
        assertThat(tensor).containsExactly(half); // the tensor path's product is the same float16 one
      } else {
        assertThat(KvCacheTest.relError(host, tensor)).isLessThan(1e-2); // float32 there: float16 rounding apart
      }
    }
  }

  /**
   * A batch's float16 product in Java on the weight's bits (whatever this CPU's default): below widening it rounds as
   * PyTorch's float16 product does, from widening on it is the widened float32 product; the weight's own tensor is
   * read in place, and a tensor product in between sees the same weight.
   */
  @Test
  void float16BatchesMultiplyInJavaAsTheTensorProducts() {
    int in = 96;
    int out = 200;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w16 = m.create(random(out * in, 11), new Shape(out, in)).toType(DataType.FLOAT16, false);
      NDArray bias = m.create(random(out, 12), new Shape(out));
      LinearProjection p = new LinearProjection(w16, bias, LinearProjection.WIDEN_FROM_ROWS, 2);
      LinearProjection tensorOnly = new LinearProjection(w16, bias, LinearProjection.WIDEN_FROM_ROWS, Long.MAX_VALUE);
      float[] w = w16.toType(DataType.FLOAT32, false).toFloatArray();
      float[] b = bias.toFloatArray();
      assertThat(p.takesOnHost(1)).isTrue();
      assertThat(p.takesOnHost(LinearProjection.WIDEN_FROM_ROWS)).isTrue();
      assertThat(tensorOnly.takesOnHost(LinearProjection.WIDEN_FROM_ROWS)).isFalse();
      for (int rows : new int[] {2, 5, (int) LinearProjection.WIDEN_FROM_ROWS, 21}) {
        float[] x = random(rows * in, 20 + rows);
        float[] host = new float[rows * out];
        p.multiplyHost(x, rows, host);
        // the reference: PyTorch's float16 product below widening, the tensor path's (float32) product from there on
        float[] tensor = rows < LinearProjection.WIDEN_FROM_ROWS
            ? Linear.linear(m.create(x, new Shape(rows, 1, in)).toType(DataType.FLOAT16, false), w16, bias)
                .singletonOrThrow().toType(DataType.FLOAT32, false).toFloatArray()
            : tensorOnly.apply(m.create(x, new Shape(rows, 1, in))).toFloatArray();
        int equal = 0;
        for (int i = 0; i < host.length; i++) {
          double scale = Math.abs(b[i % out]);
          for (int c = 0; c < in; c++) {
            scale += Math.abs((double) w[(i % out) * in + c] * x[(i / out) * in + c]);
          }
          // float16: PyTorch rounds partial sums to float16 as well, so the two differ by a few float16 steps at the
          // scale of the terms; float32: float rounding of sums in another order
          double tolerance = (rows < LinearProjection.WIDEN_FROM_ROWS ? 0x1p-9 : 1e-6) * scale + 1e-7;
          assertThat((double) host[i]).as("%d rows, element %d", rows, i)
              .isCloseTo(tensor[i], org.assertj.core.data.Offset.offset(tolerance));
          equal += host[i] == tensor[i] ? 1 : 0;
        }
        if (rows < LinearProjection.WIDEN_FROM_ROWS) {
          // rounded where PyTorch rounds (input, bias and result to float16): most results equal bit for bit (about
          // 70%; a float32 result would almost never equal a float16 one)
          assertThat(equal).as("%d rows: equal results", rows).isGreaterThan(host.length / 2);
        }
      }
    }
  }

  /** Below javaFromRows (where it is finite) each row is its own one-row float16 product: a batch row equals it alone. */
  @Test
  void float16RowsBelowTheJavaProductAreMultipliedOneByOne() {
    int in = 64;
    int out = 40;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w16 = m.create(random(out * in, 31), new Shape(out, in)).toType(DataType.FLOAT16, false);
      NDArray bias = m.create(random(out, 32), new Shape(out));
      LinearProjection p = new LinearProjection(w16, bias, LinearProjection.WIDEN_FROM_ROWS, 4);
      int rows = 3;
      float[] x = random(rows * in, 33);
      float[] batch = new float[rows * out];
      p.multiplyHost(x, rows, batch);
      for (int r = 0; r < rows; r++) {
        float[] alone = new float[out];
        p.multiplyHost(java.util.Arrays.copyOfRange(x, r * in, (r + 1) * in), 1, alone);
        assertThat(java.util.Arrays.copyOfRange(batch, r * out, (r + 1) * out)).as("row %d", r)
            .containsExactly(alone);
      }
      float[] tensor = p.apply(m.create(x, new Shape(rows, 1, in))).toFloatArray();
      assertThat(KvCacheTest.relError(batch, tensor)).isLessThan(1e-3);
    }
  }

  /** A float32 weight's decode batch from javaFromRows rows on multiplies in Java: the tensor product's values. */
  @Test
  void float32BatchesMultiplyInJavaAsTheTensorProduct() {
    int in = 72;
    int out = 150;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = m.create(random(out * in, 41), new Shape(out, in));
      NDArray bias = m.create(random(out, 42), new Shape(out));
      LinearProjection p = new LinearProjection(w, bias, LinearProjection.WIDEN_FROM_ROWS, 4);
      assertThat(p.takesOnHost(1)).isFalse();
      assertThat(p.takesOnHost(3)).isFalse();
      assertThat(p.takesOnHost(4)).isTrue();
      assertThat(new LinearProjection(w, null, LinearProjection.WIDEN_FROM_ROWS, Long.MAX_VALUE).takesOnHost(64))
          .isFalse();
      for (int rows : new int[] {4, 7, 16}) {
        float[] x = random(rows * in, 50 + rows);
        float[] host = new float[rows * out];
        p.multiplyHost(x, rows, host);
        float[] tensor = p.apply(m.create(x, new Shape(rows, 1, in))).toFloatArray();
        for (int i = 0; i < host.length; i++) {
          assertThat(host[i]).as("%d rows, element %d", rows, i)
              .isCloseTo(tensor[i], org.assertj.core.data.Offset.offset(1e-5f * (1 + Math.abs(tensor[i]))));
        }
      }
    }
  }
}
