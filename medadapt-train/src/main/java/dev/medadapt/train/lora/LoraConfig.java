package dev.medadapt.train.lora;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * LoRA hyper-parameters, with PEFT's meaning.
 *
 * <pre>{@code
 * LoraConfig sft = LoraConfig.builder().rank(16).alpha(32).dropout(0.05).rsLora(true)
 *     .targetModules(LoraConfig.ALL_PROJECTIONS).build();
 * }</pre>
 *
 * @param rank r
 * @param alpha lora_alpha
 * @param dropout dropout probability on the adapter input (PEFT's lora_dropout)
 * @param rsLora rank-stabilized scaling alpha/sqrt(r) (Kalajdzievski 2023, PEFT {@code use_rslora}) instead of alpha/r
 * @param targetModules module-name suffixes to adapt (PEFT's matching: the name equals the target or ends with
 *     {@code "." + target}), e.g. {@code q_proj}, {@code embed_tokens}, {@code lm_head}
 */
public record LoraConfig(int rank, double alpha, double dropout, boolean rsLora, Set<String> targetModules) {

  /** The seven Qwen2 linear projections. */
  public static final List<String> ALL_PROJECTIONS =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  /** Module names the Qwen2 runtime lets LoRA wrap (matched as suffixes). */
  public static final Set<String> SUPPORTED_TARGETS =
      Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "embed_tokens", "lm_head");

  public LoraConfig {
    Ensure.between(rank, 1, 1024, "loraRank");
    Ensure.positive(alpha, "loraAlpha");
    if (!(dropout >= 0 && dropout < 1)) {
      throw new ConfigurationException("loraDropout must be in [0, 1), was " + dropout);
    }
    Ensure.notEmpty(targetModules, "targetModules");
    for (String t : targetModules) {
      if (!SUPPORTED_TARGETS.contains(t)) {
        throw new ConfigurationException(
            "targetModules entry '" + t + "' is not supported; supported: " + new TreeSet<>(SUPPORTED_TARGETS));
      }
    }
    // Sorted, so toString (part of run fingerprints) is the same in every JVM (Set.copyOf order is randomized).
    targetModules = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(targetModules));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values, to derive a changed copy. */
  public Builder toBuilder() {
    return new Builder().rank(rank).alpha(alpha).dropout(dropout).rsLora(rsLora).targetModules(targetModules);
  }

  /** The factor applied to B·A·x: alpha/sqrt(r) with rsLoRA, alpha/r otherwise (PEFT lora/layer.py update_layer). */
  public double scaling() {
    return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
  }

  /** Whether the module with the full name {@code moduleName} is adapted. */
  public boolean targets(String moduleName) {
    for (String t : targetModules) {
      if (moduleName.equals(t) || moduleName.endsWith("." + t)) {
        return true;
      }
    }
    return false;
  }

  /** Builder; defaults are PEFT's (r 8, alpha 8, dropout 0, no rsLoRA); targetModules is required. */
  public static final class Builder {
    private int rank = 8;
    private double alpha = 8;
    private double dropout;
    private boolean rsLora;
    private Set<String> targets;

    public Builder rank(int rank) {
      this.rank = rank;
      return this;
    }

    public Builder alpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    public Builder dropout(double dropout) {
      this.dropout = dropout;
      return this;
    }

    public Builder rsLora(boolean rsLora) {
      this.rsLora = rsLora;
      return this;
    }

    public Builder targetModules(java.util.Collection<String> targets) {
      this.targets = Set.copyOf(targets);
      return this;
    }

    public Builder targetModules(String... targets) {
      return targetModules(List.of(targets));
    }

    public LoraConfig build() {
      Ensure.notNull(targets, "targetModules");
      return new LoraConfig(rank, alpha, dropout, rsLora, targets);
    }
  }
}
