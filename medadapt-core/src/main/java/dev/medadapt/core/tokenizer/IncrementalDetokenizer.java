package dev.medadapt.core.tokenizer;

import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.TextTokenizer;
import java.util.Arrays;

/**
 * Turns a stream of generated token ids into a stream of text pieces for streaming callbacks.
 *
 * <p>Byte-level BPE tokens can end in the middle of a multi-byte UTF-8 character (an emoji is often
 * split over 2–4 tokens), and decoding such a prefix yields U+FFFD. This class follows the algorithm of
 * Hugging Face text-generation-inference ({@code decode_token} in its {@code server/.../model.py}):
 * it decodes a small window of recent ids twice — without and with the new ids — and emits the
 * difference only when the longer text does not end in U+FFFD. The concatenation of everything
 * returned by {@link #push(int)} and {@link #flush()} equals {@code decode(allIds)} for byte-level
 * tokenizers.
 *
 * <pre>{@code
 * IncrementalDetokenizer detok = new IncrementalDetokenizer(tokenizer, true);
 * for (int id : generatedIds) onText.accept(detok.push(id));
 * onText.accept(detok.flush());
 * }</pre>
 *
 * <p>Not thread-safe; use one per generated sequence.
 */
public final class IncrementalDetokenizer {
  private static final char REPLACEMENT = '\uFFFD';

  private final TextTokenizer tokenizer;
  private final boolean skipSpecialTokens;
  private int[] ids = new int[64];
  private int size;
  /** Start of the window decoded for context (tokens before it are already fully emitted). */
  private int prefixOffset;
  /** End of the tokens whose text has been emitted. */
  private int readOffset;

  /**
   * @param tokenizer decodes id windows
   * @param skipSpecialTokens whether special tokens (EOS, {@code <|im_end|>}) are left out of the text
   */
  public IncrementalDetokenizer(TextTokenizer tokenizer, boolean skipSpecialTokens) {
    this.tokenizer = Ensure.notNull(tokenizer, "tokenizer");
    this.skipSpecialTokens = skipSpecialTokens;
  }

  /**
   * Adds one token id; returns the text that became complete with it (possibly empty, never a
   * partial character).
   */
  public String push(int id) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
    }
    ids[size++] = id;
    String prefixText = decode(prefixOffset, readOffset);
    String newText = decode(prefixOffset, size);
    if (newText.length() > prefixText.length() && newText.charAt(newText.length() - 1) != REPLACEMENT) {
      String delta = newText.substring(prefixText.length());
      prefixOffset = readOffset;
      readOffset = size;
      return delta;
    }
    return "";
  }

  /**
   * Returns whatever text is still held back (an incomplete character at the end of generation
   * decodes to U+FFFD, as Hugging Face decodes it) and marks everything emitted.
   */
  public String flush() {
    if (readOffset == size) {
      return "";
    }
    String prefixText = decode(prefixOffset, readOffset);
    String newText = decode(prefixOffset, size);
    prefixOffset = readOffset;
    readOffset = size;
    return newText.length() > prefixText.length() ? newText.substring(prefixText.length()) : "";
  }

  /** All ids pushed so far. */
  public int[] ids() {
    return Arrays.copyOf(ids, size);
  }

  private String decode(int from, int to) {
    if (from == to) {
      return "";
    }
    return tokenizer.decode(Arrays.copyOfRange(ids, from, to), skipSpecialTokens);
  }
}
