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

  /**
   * fp32/fp16 dense, or NF4 (block 64, double quantization, as QLoRA's bnb_4bit_use_double_quant=True) with the
   * frozen embedding and lm_head in float16: QLoRA keeps them in 16 bits (bfloat16 there; a bfloat16 NDArray aborts
   * DJL, so float16 here), which halves the largest dense tensors of a 151,936-token vocabulary (1.87 GB to 0.93 GB
   * for the 1.5B shape). They are widened to float32 chunk by chunk where the CPU needs it (the lm_head loss).
   * A float32 base on the CPU keeps them as the checkpoint's bfloat16 bits when it stores BF16 (exact widening).
   */
  public static Qwen2Model load(Path dir, Device device, Precision precision, Quantization quantization) {
    if (quantization == Quantization.NF4) {
      return Qwen2Model.load(dir, device, Precision.FP16,
          Nf4FrozenLinear.loader(Nf4Codec.builder().doubleQuant(true).build()));
    }
    // A frozen float32 base keeps a BF16 checkpoint's embedding and lm_head as bfloat16 bits, widened exactly where
    // read (Qwen2Model.load's bf16Vocabulary): 0.93 GB less for the 1.5B shape, the same numbers.
    return Qwen2Model.load(dir, device, precision, null, true);
  }
}
