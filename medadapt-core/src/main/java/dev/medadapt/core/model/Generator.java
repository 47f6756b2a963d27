package dev.medadapt.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.Generation.FinishReason;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.TextTokenizer;
import dev.medadapt.core.model.qwen2.KvCache;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.tokenizer.IncrementalDetokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Autoregressive decoding with a KV cache: the prompts are prefilled in one pass (left-padded with
 * an attention mask when their lengths differ), then one token per step for every unfinished row.
 * Stops per row on an end-of-sequence or stop token id (not included in the text), on a stop string
 * (cut from the text), at {@code maxNewTokens}, or at the context limit.
 *
 * <p>Each row samples from its own generator seeded with {@link GenerationOptions#seed()}, so a row
 * produces the same tokens in a batch as alone. Per-request tensors live in a sub-manager of the
 * model's manager and each step's in a sub-manager of that, so long generations do not grow native
 * memory.
 */
public final class Generator {
  private final Qwen2Model model;
  private final TextTokenizer tokenizer;
  private final Set<Integer> eosTokenIds;
  private final int maxContext;
  private final int samplableVocab;

  /** Text streamed for one row. */
  @FunctionalInterface
  public interface RowListener {
    void onText(int row, String text);
  }

  /**
   * One row's output.
   *
   * @param promptTokens prompt length in tokens
   * @param tokens generated token ids, without the stop/EOS token
   * @param text decoded text of {@code tokens} (special tokens skipped), cut before a stop string
   * @param finishReason why the row ended
   */
  public record Result(int promptTokens, int[] tokens, String text, FinishReason finishReason) {}

  /**
   * @param eosTokenIds the model's end-of-sequence ids (config.json and generation_config.json)
   * @param maxContext prompt + generated tokens never exceed this
   */
  public Generator(Qwen2Model model, TextTokenizer tokenizer, Set<Integer> eosTokenIds, int maxContext) {
    this(model, tokenizer, eosTokenIds, maxContext, model.config().vocabSize());
  }

  /**
   * @param samplableVocab only ids below this are ever generated: checkpoints pad {@code vocab_size}
   *     past the tokenizer's vocabulary (Qwen2.5: 151,936 vs 151,665) and those rows have no text
   */
  public Generator(Qwen2Model model, TextTokenizer tokenizer, Set<Integer> eosTokenIds, int maxContext,
      int samplableVocab) {
    this.samplableVocab = Ensure.between(samplableVocab, 1, model.config().vocabSize(), "samplableVocab");
    this.model = Ensure.notNull(model, "model");
    this.tokenizer = Ensure.notNull(tokenizer, "tokenizer");
    this.eosTokenIds = Set.copyOf(Ensure.notNull(eosTokenIds, "eosTokenIds"));
    this.maxContext = Ensure.positive(maxContext, "maxContext");
  }

  /** Generates for each prompt (token ids); results in input order. */
  public List<Result> generate(List<int[]> prompts, GenerationOptions options, RowListener listener) {
    Ensure.notEmpty(prompts, "prompts");
    Ensure.notNull(options, "options");
    int b = prompts.size();
    int width = 0;
    for (int i = 0; i < b; i++) {
      int[] p = prompts.get(i);
      String which = b == 1 ? "prompt" : "prompt " + i + " of the batch";
      if (p == null || p.length == 0) {
        throw new dev.medadapt.core.ConfigurationException(which + " must have at least one token");
      }
      if (p.length >= maxContext) {
        throw new dev.medadapt.core.ConfigurationException(
            which + " of " + p.length + " tokens leaves no room in the context of " + maxContext + " tokens");
      }
      width = Math.max(width, p.length);
    }
    Set<Integer> stops = new HashSet<>(eosTokenIds);
    stops.addAll(options.stopTokenIds());
    Sampler sampler = new Sampler(options);
    Row[] rows = new Row[b];
    for (int r = 0; r < b; r++) {
      rows[r] = new Row(r, prompts.get(r).length, new SplittableRandom(options.seed()), options.stopStrings());
    }
    long[][] ids = new long[b][width];
    long[][] mask = new long[b][width];
    for (int r = 0; r < b; r++) {
      int[] p = prompts.get(r);
      int pad = width - p.length;
      for (int i = 0; i < p.length; i++) {
        ids[r][pad + i] = p[i];
      }
      Arrays.fill(mask[r], pad, width, 1);
    }
    int vocab = model.config().vocabSize();
    try (NDManager request = model.manager().newSubManager(); KvCache cache = model.newCache(request, b)) {
      float[] last = step(cache, ids, mask);
      int length = width;
      while (true) {
        long[][] next = new long[b][1];
        boolean anyActive = false;
        for (Row row : rows) {
          if (row.finish != null) {
            continue;
          }
          int tok = sampler.next(last, row.index * vocab, samplableVocab, row.rng);
          next[row.index][0] = tok;
          if (stops.contains(tok)) {
            row.finish(FinishReason.STOP, listener);
            continue;
          }
          row.tokens.add(tok);
          row.decodeAndStream(listener);
          if (row.finish == null && (row.tokens.size() >= options.maxNewTokens() || length + 1 >= maxContext)) {
            row.finish(FinishReason.LENGTH, listener);
          }
          anyActive |= row.finish == null;
        }
        if (!anyActive) {
          break;
        }
        last = step(cache, next, null);
        length++;
      }
    }
    List<Result> out = new ArrayList<>(b);
    for (Row row : rows) {
      out.add(new Result(row.promptTokens, row.tokens.stream().mapToInt(Integer::intValue).toArray(), row.text,
          row.finish));
    }
    return out;
  }

  /** One forward step in its own sub-manager; returns the last position's logits, [B * vocab]. */
  private float[] step(KvCache cache, long[][] ids, long[][] mask) {
    try (NDManager step = cache.manager().newSubManager()) {
      NDArray logits = model.forward(step.create(ids), mask, cache, true);
      return logits.toFloatArray();
    }
  }

  /** Per-row decoding state. */
  private final class Row {
    final int index;
    final int promptTokens;
    final SplittableRandom rng;
    final List<String> stopStrings;
    final List<Integer> tokens = new ArrayList<>();
    final IncrementalDetokenizer detok = new IncrementalDetokenizer(tokenizer, true);
    String text = "";
    int emitted;
    FinishReason finish;

    Row(int index, int promptTokens, SplittableRandom rng, List<String> stopStrings) {
      this.index = index;
      this.promptTokens = promptTokens;
      this.rng = rng;
      this.stopStrings = stopStrings;
    }

    void decodeAndStream(RowListener listener) {
      text += detok.push(tokens.get(tokens.size() - 1));
      if (cutAtStopString()) {
        finish(FinishReason.STOP, listener, false);
        return;
      }
      // Hold back the longest tail that could still grow into a stop string.
      int hold = 0;
      for (String s : stopStrings) {
        for (int k = Math.min(s.length() - 1, text.length() - emitted); k > hold; k--) {
          if (text.startsWith(s.substring(0, k), text.length() - k)) {
            hold = k;
            break;
          }
        }
      }
      emit(text.length() - hold, listener);
    }

    /** Cuts the text before the first stop string; true when there was one. */
    boolean cutAtStopString() {
      int cut = -1;
      for (String s : stopStrings) {
        int i = text.indexOf(s);
        if (i >= 0 && (cut < 0 || i < cut)) {
          cut = i;
        }
      }
      if (cut >= 0) {
        text = text.substring(0, cut);
        return true;
      }
      return false;
    }

    void emit(int upTo, RowListener listener) {
      if (upTo > emitted) {
        listener.onText(index, text.substring(emitted, upTo));
        emitted = upTo;
      }
    }

    void finish(FinishReason reason, RowListener listener) {
      finish(reason, listener, true);
    }

    /** Ends the row; {@code flush} releases text the detokenizer held back (not after a stop string). */
    void finish(FinishReason reason, RowListener listener, boolean flush) {
      if (flush) {
        text += detok.flush();
        if (cutAtStopString()) {
          reason = FinishReason.STOP;
        }
      }
      finish = reason;
      emit(text.length(), listener);
    }
  }
}
