package dev.medadapt.cli;

import dev.medadapt.core.model.LocalLanguageModel;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.Quantization;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How a local model is loaded: the options every command that runs a local model shares (a picocli mixin). */
final class LocalModelOptions {
  @Option(names = "--dtype", defaultValue = "FP32",
      description = "FP32 (default), FP16 or BF16: precision of the weights and matrix products; FP16 halves memory and "
          + "the bytes read per decoded token, with float16 rounding (its CPU speed depends on PyTorch's float16 "
          + "product on the machine: docs/benchmarks.md); BF16 (CPU) keeps a BF16 checkpoint's weights as their "
          + "bits at the same memory, with float32 arithmetic.")
  Precision dtype;

  @Option(names = "--quantization", defaultValue = "NONE",
      description = "NONE (default), NF4 or INT8: linear layers stored as 4-bit NF4 or as 8-bit per-channel codes; "
          + "decode steps multiply straight from the codes, prompts dequantize one layer at a time to --dtype. "
          + "INT8 halves FP16's bytes with a smaller error than NF4.")
  Quantization quantization;

  @Option(names = "--max-context", defaultValue = "0",
      description = "Prompt + generation limit in tokens; 0 = min(max_position_embeddings, 4096).")
  int maxContext;

  @Mixin DeviceOption device = new DeviceOption();

  /** A builder for the model in {@code dir} with these options. */
  LocalLanguageModel.Builder builder(Path dir) {
    LocalLanguageModel.Builder b = LocalLanguageModel.builder().modelPath(dir).dtype(dtype).quantization(quantization)
        .device(device.device());
    if (maxContext > 0) {
      b.maxContext(maxContext);
    }
    return b;
  }
}
