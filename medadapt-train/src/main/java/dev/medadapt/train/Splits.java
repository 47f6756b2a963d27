package dev.medadapt.train;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.train.data.TokenizationStats;
import dev.medadapt.train.data.TokenizedDataset;
import dev.medadapt.train.data.TokenizedSequence;
import java.util.ArrayList;
import java.util.List;

/** The seeded train/eval split shared by the trainers. */
final class Splits {
  private static final long EVAL_SPLIT_STREAM = 0x5E1EC7L;

  private Splits() {}

  /**
   * A seeded split: {@code ceil(n · evalFraction)} sequences for eval (as {@code datasets.train_test_split} rounds a
   * fractional test size up), the rest for training, each in original order; optional SFT packing of the train
   * part.
   */
  static TokenizedDataset[] trainEval(TokenizedDataset all, double evalFraction, long seed, boolean pack, int maxLen) {
    int n = all.size();
    int nEval = (int) Math.ceil(n * evalFraction);
    if (n - nEval < 1) {
      throw new ConfigurationException("evalFraction " + evalFraction + " leaves no training example of " + n);
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    DeterministicRandom.derive(seed, EVAL_SPLIT_STREAM).shuffle(order);
    boolean[] isEval = new boolean[n];
    for (int i = 0; i < nEval; i++) {
      isEval[order[i]] = true;
    }
    List<TokenizedSequence> tr = new ArrayList<>();
    List<TokenizedSequence> ev = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      (isEval[i] ? ev : tr).add(all.sequences().get(i));
    }
    if (pack) {
      tr = dev.medadapt.train.data.SftEncoder.pack(tr, maxLen);
    }
    return new TokenizedDataset[] {of(tr, all.stats()), of(ev, all.stats())};
  }

  private static TokenizedDataset of(List<TokenizedSequence> s, TokenizationStats base) {
    long tokens = 0;
    long targets = 0;
    for (TokenizedSequence q : s) {
      tokens += q.length();
      targets += q.supervisedTargets();
    }
    return new TokenizedDataset(s, new TokenizationStats(base.examples(), s.size(), base.truncated(), tokens, targets,
        base.droppedTokens()));
  }
}
