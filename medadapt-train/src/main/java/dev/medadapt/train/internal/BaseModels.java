package dev.medadapt.train.internal;

import ai.djl.Device;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.train.quant.Nf4FrozenLinear;
import java.nio.file.Path;

/** Loads a frozen base at the requested storage. Not API. */
public final class BaseModels {
  private BaseModels() {}

  /** fp32/fp16 dense, or NF4 (block 64, double quantization, as QLoRA's bnb_4bit_use_double_quant=True). */
  public static Qwen2Model load(Path dir, Precision precision, Quantization quantization) {
    if (quantization == Quantization.NF4) {
      return Qwen2Model.load(dir, Device.cpu(), Precision.FP32,
          Nf4FrozenLinear.loader(Nf4Codec.builder().doubleQuant(true).build()));
    }
    return Qwen2Model.load(dir, Device.cpu(), precision);
  }
}
