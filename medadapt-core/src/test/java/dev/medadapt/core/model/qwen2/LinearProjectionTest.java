package dev.medadapt.core.model.qwen2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
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

  @Test
  void float16WeightsMultiplyInFloat16ForFewRowsAndWidenForMany() {
    int in = 64;
    int out = 48;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w16 = m.create(random(out * in, 1), new Shape(out, in)).toType(DataType.FLOAT16, false);
      NDArray bias = m.create(random(out, 2), new Shape(out));
      LinearProjection p = new LinearProjection(w16, bias, LinearProjection.WIDEN_FROM_ROWS);
      NDArray w32 = w16.toType(DataType.FLOAT32, false);
      for (int rows : new int[] {1, (int) LinearProjection.WIDEN_FROM_ROWS - 1, (int) LinearProjection.WIDEN_FROM_ROWS, 40}) {
        NDArray x = m.create(random(rows * in, 3 + rows), new Shape(1, rows, in));
        float[] got = p.apply(x).toFloatArray();
        float[] wide = Linear.linear(x, w32, bias).singletonOrThrow().toFloatArray();
        float[] half = Linear.linear(x.toType(DataType.FLOAT16, false), w16, bias).singletonOrThrow()
            .toType(DataType.FLOAT32, false).toFloatArray();
        float[] expected = rows >= LinearProjection.WIDEN_FROM_ROWS ? wide : half;
        assertThat(got).as("%d rows", rows).containsExactly(expected);
        // the two paths really differ (float16 rounding of the input and the products)
        assertThat(wide).isNotEqualTo(half);
      }
      // Under autograd (the input needs a gradient) the float16 product is kept: nothing is freed early.
      NDArray x = m.create(random(40 * in, 9), new Shape(1, 40, in));
      x.setRequiresGradient(true);
      float[] half = Linear.linear(x.toType(DataType.FLOAT16, false), w16, bias).singletonOrThrow()
          .toType(DataType.FLOAT32, false).toFloatArray();
      assertThat(p.apply(x).toFloatArray()).containsExactly(half);
    }
  }
}
