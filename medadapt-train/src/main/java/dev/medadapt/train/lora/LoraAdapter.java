package dev.medadapt.train.lora;

import dev.medadapt.core.Ensure;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A LoRA adapter: its configuration and the factors of every adapted module, keyed by the Hugging Face module name
 * ({@code model.layers.0.self_attn.q_proj}, {@code model.embed_tokens}, {@code lm_head}).
 */
public record LoraAdapter(LoraConfig config, Map<String, LoraPair> modules) {
  public LoraAdapter {
    Ensure.notNull(config, "config");
    Ensure.notNull(modules, "modules");
    modules = Collections.unmodifiableMap(new TreeMap<>(modules));
  }

  /** Trainable parameters (sum of A and B sizes). */
  public long trainableParameters() {
    return modules.values().stream().mapToLong(LoraPair::parameterCount).sum();
  }

  /** PEFT's {@code print_trainable_parameters} line. */
  public String describeTrainable(long baseParameters) {
    long t = trainableParameters();
    long all = baseParameters + t;
    return String.format(
        java.util.Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: %.4f", t, all, 100.0 * t / all);
  }
}
