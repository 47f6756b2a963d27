package dev.medadapt.cli;

import ai.djl.Device;
import dev.medadapt.core.model.Devices;
import picocli.CommandLine.Option;

/**
 * {@code --device cpu|gpu|gpu:N}: where a command's model runs (weights, activations and, when training, the LoRA
 * factors, their gradients, the optimizer state and NF4 dequantization). A picocli mixin shared by {@code train},
 * {@code generate}, {@code eval} and {@code ask} (the last three through {@link LocalModelOptions}).
 */
final class DeviceOption {
  @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu[:N]",
      description = "Where the model runs: cpu (default), gpu (the first GPU) or gpu:N. A GPU needs DJL's CUDA build "
          + "of libtorch instead of pytorch-native-cpu on the class path (README, section GPU).")
  String device = "cpu";

  /** The parsed device; a {@link dev.medadapt.core.ConfigurationException} naming the accepted forms otherwise. */
  Device device() {
    return Devices.parse(device);
  }
}
