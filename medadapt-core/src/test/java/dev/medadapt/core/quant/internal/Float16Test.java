package dev.medadapt.core.quant.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Java float16 conversions against PyTorch's casts. */
class Float16Test {
  @Test
  void everyFloat16WidensAsPyTorchWidensIt() {
    ByteBuffer all = ByteBuffer.allocateDirect(2 * 65536).order(ByteOrder.nativeOrder());
    for (int h = 0; h < 65536; h++) {
      all.putShort(2 * h, (short) h);
    }
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      float[] torch = m.create(all, new Shape(65536), DataType.FLOAT16).toType(DataType.FLOAT32, false)
          .toFloatArray();
      for (int h = 0; h < 65536; h++) {
        assertThat(Float.floatToRawIntBits(Float16.toFloat((short) h))).as("float16 bits %04x", h)
            .isEqualTo(Float.floatToRawIntBits(torch[h]));
      }
    }
  }

  @Test
  void float32RoundsToFloat16AsPyTorchRoundsIt() {
    SplittableRandom rnd = new SplittableRandom(16);
    int n = 400_000;
    float[] x = new float[n];
    int i = 0;
    // Edges: the largest float16, the overflow boundary and its neighbours, the smallest normal and subnormal,
    // ties at every scale, zeros, infinities, NaN.
    float[] edges = {65504f, 65519.996f, 65520f, 65536f, 0x1p-14f, 0x1p-24f, 0x1p-25f, 0x1.8p-25f, 0x1p-26f,
        0x1.002p0f, 0x1.006p0f, 0x1.001p0f, 0x1.003p0f, 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.NaN, Float.MIN_VALUE, Float.MAX_VALUE, 0x1.ffep-15f, 0x1.ffcp-15f, 1e-30f};
    for (float e : edges) {
      x[i++] = e;
      x[i++] = -e;
    }
    while (i < n) {
      // Random bits over the float16 range and a little beyond, so every exponent and rounding case occurs.
      int exponent = 127 - 27 + rnd.nextInt(45);
      x[i++] = Float.intBitsToFloat((rnd.nextInt(2) << 31) | (exponent << 23) | rnd.nextInt(1 << 23));
    }
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      ByteBuffer torch = m.create(x).toType(DataType.FLOAT16, false).toByteBuffer().order(ByteOrder.nativeOrder());
      for (int k = 0; k < n; k++) {
        assertThat(Float16.fromFloat(x[k])).as("float32 %s (bits %08x)", x[k], Float.floatToRawIntBits(x[k]))
            .isEqualTo(torch.getShort(2 * k));
      }
    }
  }
}
