package dev.medadapt.rag.index.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.UnaryOperator;
import java.util.Arrays;
import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;

/**
 * Runs a chain of per-token filters (possessive removal, lower-casing, stop words, stemming) once per
 * distinct token text and replays the remembered result for every later occurrence. Not API.
 *
 * <p>Why: in BM25 indexing of English text the filter chain (Porter stemming above all) costs about a
 * fifth of the CPU, yet word frequencies follow Zipf's law, so a few thousand distinct words make up
 * most tokens. The result for a miss is computed by the <em>real</em> filters, run on that one token,
 * so the output (terms and position increments) equals the plain chain's for any filter that looks at
 * one token at a time and only drops or rewrites it (all of Lucene's filters used by
 * {@code AnalyzerSettings}). Dropped tokens add their position increment to the next kept token, as
 * Lucene's {@code FilteringTokenFilter} does.
 *
 * <p>The memo holds at most {@value #MAX_ENTRIES} words (beyond that, misses are computed and not
 * remembered); it lives in one analyzer's per-thread components, so it needs no locking.
 */
public final class MemoizingTermFilter extends TokenFilter {
  /** Memo capacity: MedQuAD (16k passages) has ~60k distinct tokens; this bounds memory to a few MB per thread. */
  static final int MAX_ENTRIES = 100_000;

  private static final char[] DROPPED = new char[0];

  private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
  private final PositionIncrementAttribute posInc = addAttribute(PositionIncrementAttribute.class);
  private final Memo memo = new Memo();
  private final OneToken one = new OneToken();
  private final TokenStream chain;
  private final CharTermAttribute chainTerm;
  private int skippedPositions;

  /**
   * @param input the tokenizer (or any stream of raw tokens)
   * @param filters builds the per-token filter chain on top of the stream it is given
   */
  public MemoizingTermFilter(TokenStream input, UnaryOperator<TokenStream> filters) {
    super(input);
    this.chain = filters.apply(one);
    this.chainTerm = chain.addAttribute(CharTermAttribute.class);
  }

  @Override
  public boolean incrementToken() throws IOException {
    skippedPositions = 0;
    while (input.incrementToken()) {
      char[] out = memo.get(term.buffer(), term.length());
      if (out == null) {
        out = compute();
      }
      if (out == DROPPED) {
        skippedPositions += posInc.getPositionIncrement();
        continue;
      }
      term.copyBuffer(out, 0, out.length);
      if (skippedPositions != 0) {
        posInc.setPositionIncrement(posInc.getPositionIncrement() + skippedPositions);
      }
      return true;
    }
    return false;
  }

  private char[] compute() {
    char[] key = new char[term.length()];
    System.arraycopy(term.buffer(), 0, key, 0, key.length);
    one.set(key);
    char[] out;
    try {
      chain.reset();
      out = chain.incrementToken() ? Arrays.copyOf(chainTerm.buffer(), chainTerm.length()) : DROPPED;
      while (chain.incrementToken()) {
        // A filter that splits tokens would break the one-in, at-most-one-out contract.
        throw new IllegalStateException("memoized filter chain produced more than one token for \"" + new String(key) + "\"");
      }
      chain.end();
      chain.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // the one-token stream does no I/O
    }
    if (memo.size() < MAX_ENTRIES) {
      memo.put(key, out, Memo.hash(key, key.length));
    }
    return out;
  }

  @Override
  public void reset() throws IOException {
    super.reset();
    skippedPositions = 0;
  }

  @Override
  public void end() throws IOException {
    super.end();
    posInc.setPositionIncrement(posInc.getPositionIncrement() + skippedPositions);
  }

  /** A stream of exactly one token, the text last {@link #set}. */
  private static final class OneToken extends TokenStream {
    private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
    private char[] text = new char[0];
    private boolean done;

    void set(char[] text) {
      this.text = text;
    }

    @Override
    public boolean incrementToken() {
      if (done) {
        return false;
      }
      clearAttributes();
      term.copyBuffer(text, 0, text.length);
      done = true;
      return true;
    }

    @Override
    public void reset() throws IOException {
      super.reset();
      done = false;
    }
  }

  /**
   * Open-addressing map from token text to its filtered text. Lucene's {@code CharArrayMap} was tried
   * first and spent most of its time in probe chains (its polynomial hash and 80% load clustered on
   * token text); this one mixes the hash, stays at most half full and compares the stored hash first.
   */
  static final class Memo {
    private char[][] keys = new char[1 << 12][];
    private char[][] values = new char[1 << 12][];
    private int[] hashes = new int[1 << 12];
    private int size;

    int size() {
      return size;
    }

    static int hash(char[] text, int len) {
      int h = len;
      for (int i = 0; i < len; i++) {
        h = 31 * h + text[i];
      }
      // murmur3 fmix32: spreads the polynomial hash over all bits before masking
      h ^= h >>> 16;
      h *= 0x85ebca6b;
      h ^= h >>> 13;
      h *= 0xc2b2ae35;
      h ^= h >>> 16;
      return h;
    }

    char[] get(char[] text, int len) {
      int h = hash(text, len);
      int mask = keys.length - 1;
      for (int i = h & mask; ; i = (i + 1) & mask) {
        char[] k = keys[i];
        if (k == null) {
          return null;
        }
        if (hashes[i] == h && k.length == len && Arrays.equals(k, 0, len, text, 0, len)) {
          return values[i];
        }
      }
    }

    void put(char[] key, char[] value, int h) {
      if (2 * (size + 1) > keys.length) {
        grow();
      }
      int mask = keys.length - 1;
      int i = h & mask;
      while (keys[i] != null) {
        if (hashes[i] == h && Arrays.equals(keys[i], key)) {
          values[i] = value;
          return;
        }
        i = (i + 1) & mask;
      }
      keys[i] = key;
      values[i] = value;
      hashes[i] = h;
      size++;
    }

    private void grow() {
      char[][] oldKeys = keys;
      char[][] oldValues = values;
      int[] oldHashes = hashes;
      keys = new char[oldKeys.length * 2][];
      values = new char[oldKeys.length * 2][];
      hashes = new int[oldKeys.length * 2];
      size = 0;
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldKeys[i] != null) {
          put(oldKeys[i], oldValues[i], oldHashes[i]);
        }
      }
    }
  }
}
