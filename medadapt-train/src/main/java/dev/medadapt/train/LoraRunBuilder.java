package dev.medadapt.train;

import ai.djl.Device;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.train.lora.LoraConfig;
import java.nio.file.Path;

/**
 * What every LoRA training run is configured with — base model, adapter, optimization, frozen-base precision,
 * output folder, progress — shared by {@link SftTrainer.Builder} and {@link CptTrainer.Builder}. Self-typed, so each
 * setter returns the concrete builder.
 *
 * @param <B> the concrete builder
 */
public abstract class LoraRunBuilder<B extends LoraRunBuilder<B>> {
  Path model;
  LoraConfig lora;
  TrainingConfig training;
  Precision precision = Precision.FP32;
  Quantization quantization = Quantization.NONE;
  Device device = Device.cpu();
  Path outputDir;
  ProgressListener progress = ProgressListener.NONE;

  LoraRunBuilder(LoraConfig lora, TrainingConfig training) {
    this.lora = lora;
    this.training = training;
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /** The base model folder (Hugging Face Qwen2 checkpoint). Required. */
  public B model(Path v) {
    model = v;
    return self();
  }

  /** LoRA settings; default: the recipe's. */
  public B lora(LoraConfig v) {
    lora = v;
    return self();
  }

  /** Optimization settings; default: the recipe's. */
  public B training(TrainingConfig v) {
    training = v;
    return self();
  }

  /** Precision of the frozen base, FP32 or FP16; default FP32. BF16 (inference only) fails at {@code build()}. */
  public B precision(Precision v) {
    precision = v;
    return self();
  }

  /** NF4 for a 4-bit frozen base (QLoRA); default NONE. INT8 is an inference option and fails at {@code build()}. */
  public B quantization(Quantization v) {
    quantization = v;
    return self();
  }

  /**
   * Where the frozen base, the LoRA factors, their gradients, the optimizer state and NF4 dequantization live:
   * {@code Device.cpu()} (default) or {@code Device.gpu(n)}, which needs DJL's CUDA build of libtorch on the class
   * path (see the README). Parse user input with {@link dev.medadapt.core.model.Devices#parse(String)}.
   */
  public B device(Device v) {
    device = v;
    return self();
  }

  /** The run folder (adapter, checkpoints, metrics, provenance). Required. */
  public B outputDir(Path v) {
    outputDir = v;
    return self();
  }

  public B progress(ProgressListener v) {
    progress = v;
    return self();
  }

  /** Checks the shared settings; subclasses call it first in {@code build()}. */
  void validateCommon() {
    Ensure.notNull(model, "model");
    Ensure.notNull(outputDir, "outputDir");
    Ensure.notNull(lora, "lora");
    Ensure.notNull(training, "training");
    Ensure.notNull(precision, "precision");
    Ensure.notNull(quantization, "quantization");
    if (quantization == Quantization.INT8) {
      throw new ConfigurationException("quantization INT8 is for inference; a frozen training base is NONE or NF4");
    }
    if (precision == Precision.BF16) {
      throw new ConfigurationException("precision BF16 is for inference; a frozen training base is FP32 (which keeps a"
          + " BF16 checkpoint's embedding and lm_head as their bits) or FP16, or quantization NF4");
    }
    Ensure.notNull(device, "device");
    Ensure.notNull(progress, "progress");
  }
}
