package dev.medadapt.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.train.data.TokenizedDataset;
import dev.medadapt.train.internal.BaseModels;
import dev.medadapt.train.lora.LoraModel;
import dev.medadapt.train.metrics.StepMetrics;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on {@code Device.gpu(0)}: the base (dense and NF4), the LoRA factors, their gradients and the optimizer
 * state live on the GPU, and the run follows the CPU run's losses and gradient norms within float rounding. Runs only
 * where DJL's PyTorch engine sees a GPU (the CUDA build of libtorch, see the README's GPU section); skipped, with
 * that reason, elsewhere.
 */
class GpuTrainingTest {
  static final Path MODEL = TestResources.tinyModel("qwen2-tiny-bytes-chat");
  @TempDir Path tmp;

  @BeforeEach
  void needsAGpu() {
    int gpus = Engine.getEngine("PyTorch").getGpuCount();
    assumeTrue(gpus > 0, "DJL's PyTorch engine sees no GPU (getGpuCount() = 0, libtorch "
        + Engine.getEngine("PyTorch").getVersion() + "): the CPU build of libtorch is on the class path or no CUDA "
        + "driver is present; see the README, section GPU");
  }

  private List<StepMetrics> train(Device device, Quantization q, Path out) {
    TokenizedDataset d = LoraTrainerTest.data();
    try (Qwen2Model m = BaseModels.load(MODEL, device, Precision.FP32, q)) {
      assertThat(m.manager().getDevice()).isEqualTo(device);
      LoraModel lm = LoraModel.attach(m, LoraTrainerTest.lora(), 4242);
      for (NDArray p : lm.parameters().values()) {
        assertThat(p.getDevice()).as("LoRA factor").isEqualTo(device);
      }
      LoraTrainer t = new LoraTrainer(lm, LoraTrainerTest.config().maxSteps(3).build(), out, "sft gpu", null, null);
      List<StepMetrics> metrics = t.train(d, null).metrics();
      for (NDArray p : lm.parameters().values()) {
        assertThat(p.getDevice()).as("LoRA factor after training").isEqualTo(device);
        assertThat(p.getGradient().getDevice()).as("gradient").isEqualTo(device);
      }
      return metrics;
    }
  }

  @Test
  void denseAndNf4BasesTrainOnTheGpuLikeOnTheCpu() {
    for (Quantization q : Quantization.values()) {
      List<StepMetrics> cpu = train(Device.cpu(), q, tmp.resolve("cpu-" + q));
      List<StepMetrics> gpu = train(Device.gpu(0), q, tmp.resolve("gpu-" + q));
      assertThat(gpu).hasSameSizeAs(cpu);
      for (int i = 0; i < cpu.size(); i++) {
        double l = cpu.get(i).loss();
        assertThat(Math.abs(gpu.get(i).loss() - l) / Math.abs(l)).as(q + " loss at step " + (i + 1))
            .isLessThan(1e-3);
        double g = cpu.get(i).gradNorm();
        assertThat(Math.abs(gpu.get(i).gradNorm() - g) / g).as(q + " grad norm at step " + (i + 1))
            .isLessThan(1e-2);
      }
    }
  }
}
