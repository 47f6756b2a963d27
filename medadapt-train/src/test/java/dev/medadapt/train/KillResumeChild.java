package dev.medadapt.train;

import ai.djl.Device;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.train.lora.LoraModel;
import java.nio.file.Path;

/**
 * Child JVM of {@link KillResumeTest}: trains the test run in {@code args[0]}, checkpointing every step. With
 * {@code args[1] = "slow"} it pauses after each step (through the progress listener, which does not touch the
 * numerics) so the parent can kill it mid-run.
 */
public final class KillResumeChild {
  private KillResumeChild() {}

  public static void main(String[] args) {
    boolean slow = args.length > 1 && args[1].equals("slow");
    run(Path.of(args[0]), slow);
    System.exit(0);
  }

  static TrainingResult run(Path out, boolean slow) {
    try (Qwen2Model m = Qwen2Model.load(LoraTrainerTest.MODEL, Device.cpu(), Precision.FP32)) {
      LoraModel lm = LoraModel.attach(m, LoraTrainerTest.lora(), 99);
      TrainingConfig cfg = LoraTrainerTest.config().maxSteps(8).checkpointEvery(1).keepCheckpoints(2).build();
      return new LoraTrainer(lm, cfg, out, "kill test", p -> {
        if (slow) {
          try {
            Thread.sleep(400);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }, null).train(LoraTrainerTest.data(), null);
    }
  }
}
