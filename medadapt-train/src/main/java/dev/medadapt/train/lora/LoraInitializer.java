package dev.medadapt.train.lora;

import dev.medadapt.train.DeterministicRandom;
import dev.medadapt.train.FloatTensor;

/**
 * PEFT's default LoRA initialization ({@code init_lora_weights=True}, peft/tuners/lora/layer.py
 * {@code reset_lora_parameters}), seeded.
 *
 * <ul>
 *   <li>Linear: A ~ {@code nn.init.kaiming_uniform_(A, a=sqrt(5))}, i.e. U(-b, b) with gain sqrt(2/(1+5)), std =
 *       gain/sqrt(fan_in), b = sqrt(3)·std = 1/sqrt(in_features); B = 0.
 *   <li>Embedding: {@code lora_embedding_A} = 0, {@code lora_embedding_B} ~ N(0, 1) ({@code nn.init.zeros_} and
 *       {@code nn.init.normal_}).
 * </ul>
 * Either way B·A = 0 at the start, so the adapted model equals the base model. Each module draws from its own stream
 * derived from (seed, module name), so adding a target does not change the others' initial values.
 */
public final class LoraInitializer {
  private final long seed;

  public LoraInitializer(long seed) {
    this.seed = seed;
  }

  /** Factors for a linear layer {@code in -> out}. */
  public LoraPair linear(String moduleName, int in, int out, int rank) {
    DeterministicRandom rnd = DeterministicRandom.derive(seed, DeterministicRandom.hash(moduleName));
    float[] a = new float[rank * in];
    double bound = 1.0 / Math.sqrt(in);
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) ((2 * rnd.nextDouble() - 1) * bound);
    }
    return new LoraPair(LoraPair.Kind.LINEAR, new FloatTensor(new int[] {rank, in}, a), FloatTensor.zeros(out, rank));
  }

  /** Factors for an embedding table {@code [vocab, hidden]}. */
  public LoraPair embedding(String moduleName, int vocab, int hidden, int rank) {
    DeterministicRandom rnd = DeterministicRandom.derive(seed, DeterministicRandom.hash(moduleName));
    float[] b = new float[hidden * rank];
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) rnd.nextGaussian();
    }
    return new LoraPair(
        LoraPair.Kind.EMBEDDING, FloatTensor.zeros(rank, vocab), new FloatTensor(new int[] {hidden, rank}, b));
  }
}
