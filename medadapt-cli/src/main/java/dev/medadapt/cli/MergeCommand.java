package dev.medadapt.cli;

import dev.medadapt.core.safetensors.DType;
import dev.medadapt.train.peft.AdapterMerger;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code medadapt merge --model DIR --adapter DIR --out DIR}: base + PEFT LoRA adapter -> Hugging Face checkpoint. */
@Command(name = "merge", mixinStandardHelpOptions = true,
    description = "Merge a PEFT LoRA adapter into a 16/32-bit Qwen2 checkpoint and write a Hugging Face folder.")
public final class MergeCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, description = "Base model folder (config.json, safetensors, tokenizer).")
  Path model;

  @Option(names = "--adapter", required = true, description = "PEFT adapter folder (adapter_config.json + adapter_model.safetensors).")
  Path adapter;

  @Option(names = "--out", required = true, description = "Output folder for the merged checkpoint.")
  Path out;

  @Option(names = "--dtype", paramLabel = "DTYPE",
      description = "FP32, FP16 or BF16 (F32, F16 also accepted) for the merged tensors (default: keep the base's).")
  String dtype;

  @Override
  public Integer call() {
    OutPaths.requireDirectory(out, "--out");
    AdapterMerger.merge(model, adapter, out, dtype == null ? null : tensorType(dtype));
    spec.commandLine().getOut().println(out.toAbsolutePath());
    return 0;
  }

  /** The merged tensors' type, named as {@code --dtype} is everywhere else (FP32, FP16) or as safetensors does. */
  static DType tensorType(String name) {
    return switch (name.strip().toUpperCase(java.util.Locale.ROOT)) {
      case "FP32", "F32" -> DType.F32;
      case "FP16", "F16" -> DType.F16;
      case "BF16" -> DType.BF16;
      default -> throw new dev.medadapt.core.ConfigurationException("--dtype must be FP32, FP16 or BF16, was \"" + name + "\"");
    };
  }
}
