package dev.medadapt.train.data;

import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns {@link SftExample}s into {@link TokenizedSequence}s: prompt and completion are encoded separately (so the
 * boundary between unsupervised and supervised tokens is exact), the EOS id is appended to the completion, the
 * result is cut at {@code maxLength} (right truncation, Hugging Face's default), and labels are set per
 * {@link LossMode}. An example with no supervised target left after truncation fails with its index and source
 * rather than contributing a silent zero loss.
 *
 * <pre>{@code
 * TokenizedDataset ds = SftEncoder.builder().tokenizer(tok).eosTokenId(151643).maxLength(4096)
 *     .lossMode(LossMode.COMPLETION_ONLY).build().encode(examples);
 * }</pre>
 */
public final class SftEncoder {
  private final TextTokenizer tokenizer;
  private final int eosTokenId;
  private final int maxLength;
  private final LossMode lossMode;
  private final boolean packing;

  private SftEncoder(Builder b) {
    this.tokenizer = b.tokenizer;
    this.eosTokenId = b.eosTokenId;
    this.maxLength = b.maxLength;
    this.lossMode = b.lossMode;
    this.packing = b.packing;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Encodes every example; see the class comment for the rules. */
  public TokenizedDataset encode(List<SftExample> examples) {
    List<TokenizedSequence> seqs = new ArrayList<>(examples.size());
    int truncated = 0;
    long dropped = 0;
    for (int i = 0; i < examples.size(); i++) {
      SftExample ex = examples.get(i);
      int[] p = tokenizer.encode(ex.prompt());
      int[] c = tokenizer.encode(ex.completion());
      int total = p.length + c.length + 1;
      int len = Math.min(total, maxLength);
      if (total > maxLength) {
        truncated++;
        dropped += total - maxLength;
      }
      int[] ids = new int[len];
      int[] labels = new int[len];
      for (int t = 0; t < len; t++) {
        int id = t < p.length ? p[t] : t < p.length + c.length ? c[t - p.length] : eosTokenId;
        ids[t] = id;
        boolean supervised = lossMode == LossMode.FULL_SEQUENCE || t >= p.length;
        labels[t] = supervised ? id : TokenizedSequence.IGNORE_INDEX;
      }
      TokenizedSequence s = new TokenizedSequence(ids, labels);
      if (s.supervisedTargets() == 0) {
        throw new DataFormatException(
            "example " + i + " (" + ex.source() + ") has no supervised token after truncation to maxLength "
                + maxLength + " (prompt " + p.length + " tokens, completion " + (c.length + 1)
                + " incl. EOS); raise maxLength or shorten the prompt");
      }
      seqs.add(s);
    }
    if (packing) {
      seqs = pack(seqs, maxLength);
    }
    long tokens = 0;
    long targets = 0;
    for (TokenizedSequence s : seqs) {
      tokens += s.length();
      targets += s.supervisedTargets();
    }
    return new TokenizedDataset(
        seqs, new TokenizationStats(examples.size(), seqs.size(), truncated, tokens, targets, dropped));
  }

  /**
   * Greedy in-order packing (public so the trainers can pack after the eval split): appends sequences to the current pack while it stays within {@code maxLength}.
   * Sequences are never split. Like TRL's packing, packed examples attend to each other (no block-diagonal mask);
   * the first token of each appended example is not a loss target of the one before it (label -100).
   */
  public static List<TokenizedSequence> pack(List<TokenizedSequence> seqs, int maxLength) {
    List<TokenizedSequence> out = new ArrayList<>();
    int[] ids = new int[maxLength];
    int[] labels = new int[maxLength];
    int n = 0;
    for (TokenizedSequence s : seqs) {
      if (n > 0 && n + s.length() > maxLength) {
        out.add(new TokenizedSequence(Arrays.copyOf(ids, n), Arrays.copyOf(labels, n)));
        n = 0;
      }
      System.arraycopy(s.inputIds(), 0, ids, n, s.length());
      System.arraycopy(s.labels(), 0, labels, n, s.length());
      if (n > 0) {
        labels[n] = TokenizedSequence.IGNORE_INDEX;
      }
      n += s.length();
    }
    if (n > 0) {
      out.add(new TokenizedSequence(Arrays.copyOf(ids, n), Arrays.copyOf(labels, n)));
    }
    return out;
  }

  /** Builder; {@code tokenizer}, {@code eosTokenId} and {@code maxLength} are required. */
  public static final class Builder {
    private TextTokenizer tokenizer;
    private int eosTokenId = -1;
    private int maxLength = -1;
    private LossMode lossMode = LossMode.COMPLETION_ONLY;
    private boolean packing;

    public Builder tokenizer(TextTokenizer tokenizer) {
      this.tokenizer = tokenizer;
      return this;
    }

    public Builder eosTokenId(int eosTokenId) {
      this.eosTokenId = eosTokenId;
      return this;
    }

    public Builder maxLength(int maxLength) {
      this.maxLength = maxLength;
      return this;
    }

    public Builder lossMode(LossMode lossMode) {
      this.lossMode = lossMode;
      return this;
    }

    /** Pack several short examples into one sequence of at most maxLength (default off). */
    public Builder packing(boolean packing) {
      this.packing = packing;
      return this;
    }

    public SftEncoder build() {
      Ensure.notNull(tokenizer, "tokenizer");
      Ensure.between(eosTokenId, 0, Integer.MAX_VALUE, "eosTokenId");
      Ensure.between(maxLength, 2, 1 << 20, "maxLength");
      Ensure.notNull(lossMode, "lossMode");
      return new SftEncoder(this);
    }
  }
}
