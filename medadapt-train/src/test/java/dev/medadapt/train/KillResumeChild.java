package dev.medadapt.train;

import ai.djl.Device;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.train.lora.LoraModel;
import java.nio.file.Path;

/**
 * Child JVM of {@link KillResumeTest}: trains the test run in {@code args[0]}, checkpointing every step. With
 * {@code args[1] = "slow"} it pauses after each step (through the progress listener, which does not touch the
 * numerics) so the parent can kill it mid-run; {@code args[2] = "eager"} turns gradient checkpointing off.
 */
public final class KillResumeChild {
  private KillResumeChild() {}

  public static void main(String[] args) {
    boolean slow = args.length > 1 && args[1].equals("slow");
    run(Path.of(args[0]), slow, !(args.length > 2 && args[2].equals("eager")));
    System.exit(0);
  }

  static TrainingResult run(Path out, boolean slow, boolean gradientCheckpointing) {
    try (Qwen2Model m = Qwen2Model.load(LoraTrainerTest.MODEL, Device.cpu(), Precision.FP32)) {
      LoraModel lm = LoraModel.attach(m, LoraTrainerTest.lora(), 99);
      TrainingConfig cfg = LoraTrainerTest.config().maxSteps(8).saveSteps(1).saveTotalLimit(2)
          .gradientCheckpointing(gradientCheckpointing).build();
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
