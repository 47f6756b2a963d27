package dev.medadapt.core.llm;

import dev.medadapt.core.Ensure;
import java.util.List;
import java.util.Set;

/**
 * How to decode: greedy when {@code temperature == 0}, otherwise sampling with temperature, top-k
 * and top-p from a generator seeded with {@code seed} (same seed, same tokens).
 *
 * <pre>{@code
 * GenerationOptions opts = GenerationOptions.builder().maxNewTokens(256).temperature(0.6).seed(4242).build();
 * }</pre>
 *
 * @param maxNewTokens upper bound on generated tokens
 * @param temperature 0 for greedy decoding
 * @param topK keep only the k most likely tokens when sampling; 0 disables
 * @param topP nucleus sampling mass in (0, 1]; 1 disables
 * @param seed seed of the sampler
 * @param stopStrings generation stops once the decoded text contains one (it is cut from the result)
 * @param stopTokenIds extra token ids that end generation, besides the model's own EOS ids
 */
public record GenerationOptions(
    int maxNewTokens,
    double temperature,
    int topK,
    double topP,
    long seed,
    List<String> stopStrings,
    Set<Integer> stopTokenIds) {

  public GenerationOptions {
    Ensure.between(maxNewTokens, 1, 1 << 20, "maxNewTokens");
    Ensure.between(temperature, 0.0, 100.0, "temperature");
    Ensure.between(topK, 0, Integer.MAX_VALUE, "topK");
    if (!(topP > 0 && topP <= 1)) {
      throw new dev.medadapt.core.ConfigurationException("topP must be in (0, 1], was " + topP);
    }
    stopStrings = List.copyOf(Ensure.notNull(stopStrings, "stopStrings"));
    stopTokenIds = Set.copyOf(Ensure.notNull(stopTokenIds, "stopTokenIds"));
  }

  /** Greedy decoding of at most {@code maxNewTokens} tokens. */
  public static GenerationOptions greedy(int maxNewTokens) {
    return builder().maxNewTokens(maxNewTokens).build();
  }

  public boolean isGreedy() {
    return temperature == 0.0;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .maxNewTokens(maxNewTokens)
        .temperature(temperature)
        .topK(topK)
        .topP(topP)
        .seed(seed)
        .stopStrings(stopStrings)
        .stopTokenIds(stopTokenIds);
  }

  /** Builder; values are validated at {@link #build()}. */
  public static final class Builder {
    private int maxNewTokens = 256;
    private double temperature = 0.0;
    private int topK = 0;
    private double topP = 1.0;
    private long seed = 0L;
    private List<String> stopStrings = List.of();
    private Set<Integer> stopTokenIds = Set.of();

    private Builder() {}

    public Builder maxNewTokens(int maxNewTokens) {
      this.maxNewTokens = maxNewTokens;
      return this;
    }

    public Builder temperature(double temperature) {
      this.temperature = temperature;
      return this;
    }

    public Builder topK(int topK) {
      this.topK = topK;
      return this;
    }

    public Builder topP(double topP) {
      this.topP = topP;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder stopStrings(List<String> stopStrings) {
      this.stopStrings = stopStrings;
      return this;
    }

    public Builder stopTokenIds(Set<Integer> stopTokenIds) {
      this.stopTokenIds = stopTokenIds;
      return this;
    }

    public GenerationOptions build() {
      return new GenerationOptions(
          maxNewTokens, temperature, topK, topP, seed, stopStrings, stopTokenIds);
    }
  }
}
