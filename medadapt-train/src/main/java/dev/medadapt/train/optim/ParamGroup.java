package dev.medadapt.train.optim;

import dev.medadapt.core.Ensure;

/**
 * Optimizer settings shared by a set of parameters, like a torch optimizer param group.
 *
 * @param name group name ("lora", "embeddings")
 * @param learningRate peak learning rate (the schedule multiplies it)
 * @param weightDecay decoupled weight decay coefficient
 */
public record ParamGroup(String name, double learningRate, double weightDecay) {
  public ParamGroup {
    Ensure.notBlank(name, "name");
    Ensure.between(learningRate, 0.0, 10.0, "learningRate");
    Ensure.between(weightDecay, 0.0, 10.0, "weightDecay");
  }

  /**
   * Whether a parameter gets weight decay: not biases and not normalization weights, the rule of Hugging Face's
   * Trainer ({@code get_decay_parameter_names}: everything except LayerNorm/RMSNorm weights and biases).
   */
  public static boolean decays(String parameterName) {
    String n = parameterName.toLowerCase(java.util.Locale.ROOT);
    return !(n.endsWith(".bias") || n.equals("bias") || n.contains("norm"));
  }
}
