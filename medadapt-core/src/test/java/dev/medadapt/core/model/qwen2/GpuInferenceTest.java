package dev.medadapt.core.model.qwen2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.medadapt.core.model.Devices;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.testing.TestResources;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A model on {@code Device.gpu(0)} (dense, and NF4 and INT8 dequantized on the device) gives the CPU model's logits within
 * float rounding. Runs only where DJL's PyTorch engine sees a GPU; skipped, with that reason, elsewhere.
 */
class GpuInferenceTest {
  private static final long[] IDS = {153, 117, 128, 8, 110, 179, 214, 117, 70, 103, 100, 32};

  private static float[] logits(Path dir, Device d, Precision p, String storage) {
    try (Qwen2Model m = switch (storage) {
          case "NF4" -> Qwen2Model.load(dir, d, p, Nf4Projection.loader(Nf4Codec.builder().build(), p));
          case "INT8" -> Qwen2Model.load(dir, d, p, Int8Projection.loader(p));
          default -> Qwen2Model.load(dir, d, p);
        };
        NDManager req = m.manager().newSubManager()) {
      assertThat(m.manager().getDevice()).isEqualTo(d);
      return m.forward(req.create(new long[][] {IDS})).toFloatArray();
    }
  }

  @Test
  void gpuLogitsMatchTheCpuLogits() {
    assumeTrue(Devices.gpuCount() > 0, "DJL's PyTorch engine sees no GPU (getGpuCount() = 0): the CPU build of "
        + "libtorch is on the class path or no CUDA driver is present; see the README, section GPU");
    Path dir = TestResources.tinyModel("qwen2-tiny-f32");
    for (String storage : new String[] {"dense", "NF4", "INT8"}) {
      float[] cpu = logits(dir, Device.cpu(), Precision.FP32, storage);
      float[] gpu = logits(dir, Device.gpu(0), Precision.FP32, storage);
      assertThat(KvCacheTest.relError(gpu, cpu)).as(storage).isLessThanOrEqualTo(1e-4);
    }
  }
}
