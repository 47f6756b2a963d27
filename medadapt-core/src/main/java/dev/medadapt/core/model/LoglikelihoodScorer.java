package dev.medadapt.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import dev.medadapt.core.llm.TextTokenizer;
import dev.medadapt.core.model.qwen2.KvCache;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Log-likelihood of continuations with lm-evaluation-harness semantics
 * ({@code lm_eval/api/model.py TemplateLM._encode_pair} and {@code HFLM._loglikelihood_tokens}):
 * trailing spaces of the context move to the continuation; context+continuation are tokenized
 * together and the continuation tokens are those past the context's own token count; an empty
 * context is replaced by the prefix token; the input is left-truncated to {@code maxLength + 1}
 * tokens; the score is the sum of the continuation tokens' log-probabilities, and {@code greedy}
 * says whether each was the argmax.
 *
 * <p>Requests are batched (left padding with an attention mask), longest first, as lm-eval sorts them.
 *
 * <p><b>Shared prefixes.</b> Requests whose context tokens are identical (the options of one multiple-choice
 * question) are scored from one pass over the context: its last position's logits give each continuation's first
 * token, and the continuations' remaining tokens run as one batch on copies of the context's KV cache
 * ({@link KvCache#branch}). The results equal scoring each request on its own within float rounding; requests
 * longer than {@code maxLength} (left-truncated per request) and contexts seen once are scored as above.
 */
public final class LoglikelihoodScorer {
  private final Qwen2Model model;
  private final TextTokenizer tokenizer;
  private final int prefixTokenId;
  private final int maxLength;
  private final int batchSize;
  private final boolean sharedPrefix;

  /**
   * @param prefixTokenId token that stands in for an empty context (lm-eval uses the EOT/EOS token)
   * @param maxLength longest input the model sees
   * @param batchSize rows per forward pass
   */
  public LoglikelihoodScorer(Qwen2Model model, TextTokenizer tokenizer, int prefixTokenId, int maxLength, int batchSize) {
    this(model, tokenizer, prefixTokenId, maxLength, batchSize, true);
  }

  /**
   * @param sharedPrefix whether requests with the same context are scored from one pass over it (default true);
   *     false scores every request on its own
   */
  public LoglikelihoodScorer(Qwen2Model model, TextTokenizer tokenizer, int prefixTokenId, int maxLength, int batchSize,
      boolean sharedPrefix) {
    this.sharedPrefix = sharedPrefix;
    this.model = Ensure.notNull(model, "model");
    this.tokenizer = Ensure.notNull(tokenizer, "tokenizer");
    this.prefixTokenId = prefixTokenId;
    this.maxLength = Ensure.positive(maxLength, "maxLength");
    this.batchSize = Ensure.positive(batchSize, "batchSize");
  }

  /** Context and continuation token ids of one request, per lm-eval's {@code _encode_pair}. */
  public record TokenPair(int[] context, int[] continuation) {}

  /** Splits a request into context and continuation tokens as lm-eval does. */
  public TokenPair encode(LoglikelihoodRequest r) {
    String context = r.context();
    String continuation = r.continuation();
    int nSpaces = context.length() - context.stripTrailing().length();
    if (nSpaces > 0) {
      continuation = context.substring(context.length() - nSpaces) + continuation;
      context = context.substring(0, context.length() - nSpaces);
    }
    if (context.isEmpty()) {
      return new TokenPair(new int[] {prefixTokenId}, tokenizer.encode(continuation));
    }
    int[] whole = tokenizer.encode(context + continuation);
    int ctxLen = tokenizer.encode(context).length;
    return new TokenPair(Arrays.copyOf(whole, Math.min(ctxLen, whole.length)),
        Arrays.copyOfRange(whole, Math.min(ctxLen, whole.length), whole.length));
  }

  /** Scores text requests; results in input order. */
  public List<LoglikelihoodResult> score(List<LoglikelihoodRequest> requests) {
    return scoreTokens(requests.stream().map(this::encode).toList());
  }

  /** Scores already tokenized pairs; results in input order. */
  public List<LoglikelihoodResult> scoreTokens(List<TokenPair> pairs) {
    LoglikelihoodResult[] out = new LoglikelihoodResult[pairs.size()];
    List<Integer> single = new ArrayList<>();
    if (sharedPrefix) {
      Map<List<Integer>, List<Integer>> byContext = new LinkedHashMap<>();
      for (int i = 0; i < pairs.size(); i++) {
        TokenPair p = pairs.get(i);
        if (p.context().length == 0 || p.continuation().length == 0
            || p.context().length + p.continuation().length > maxLength + 1) {
          single.add(i);
        } else {
          byContext.computeIfAbsent(Arrays.stream(p.context()).boxed().toList(), k -> new ArrayList<>()).add(i);
        }
      }
      for (List<Integer> group : byContext.values()) {
        if (group.size() == 1) {
          single.add(group.get(0));
        } else {
          scoreSharedPrefix(pairs, group, out);
        }
      }
    } else {
      for (int i = 0; i < pairs.size(); i++) {
        single.add(i);
      }
    }
    Integer[] order = single.toArray(new Integer[0]);
    Arrays.sort(order, Comparator.comparingInt(
        (Integer i) -> -(pairs.get(i).context().length + pairs.get(i).continuation().length)));
    for (int start = 0; start < order.length; start += batchSize) {
      List<Integer> batch = new ArrayList<>(Arrays.asList(order).subList(start, Math.min(order.length, start + batchSize)));
      scoreBatch(pairs, batch, out);
    }
    return Arrays.asList(out);
  }

  /**
   * Scores requests sharing one context: a pass over the context with a KV cache gives every continuation's first
   * token; the continuations' other tokens run as one right-padded batch on branches of that cache.
   */
  private void scoreSharedPrefix(List<TokenPair> pairs, List<Integer> group, LoglikelihoodResult[] out) {
    int[] context = pairs.get(group.get(0)).context();
    int vocab = model.config().vocabSize();
    try (NDManager req = model.manager().newSubManager(); KvCache cache = model.newCache(req, 1)) {
      long[][] ids = {Arrays.stream(context).asLongStream().toArray()};
      float[] first = model.forward(req.create(ids), null, cache, true).logSoftmax(-1).toFloatArray();
      double[] sums = new double[group.size()];
      boolean[] greedy = new boolean[group.size()];
      List<Integer> longer = new ArrayList<>();
      int width = 0;
      for (int g = 0; g < group.size(); g++) {
        int[] cont = pairs.get(group.get(g)).continuation();
        sums[g] = first[cont[0]];
        greedy[g] = argmax(first, 0, vocab) == cont[0];
        if (cont.length > 1) {
          longer.add(g);
          width = Math.max(width, cont.length - 1);
        }
      }
      if (!longer.isEmpty()) {
        // At least two columns (the second one padding where every continuation has two tokens): a pass of one token
        // per row would be a decode step, whose float16 products round as PyTorch's float16 product does, while the
        // context pass and a whole prompt's pass compute in float32.
        width = Math.max(width, 2);
        int b = longer.size();
        long[][] next = new long[b][width];
        long[][] mask = new long[b][width];
        for (int r = 0; r < b; r++) {
          int[] cont = pairs.get(group.get(longer.get(r))).continuation();
          for (int i = 0; i + 1 < cont.length; i++) {
            next[r][i] = cont[i]; // right padding: a padded column comes after every real one, so causality hides it
            mask[r][i] = 1;
          }
        }
        try (KvCache branches = cache.branch(req, b)) {
          float[] rest = model.forward(req.create(next), mask, branches).logSoftmax(-1).toFloatArray();
          for (int r = 0; r < b; r++) {
            int g = longer.get(r);
            int[] cont = pairs.get(group.get(g)).continuation();
            for (int i = 1; i < cont.length; i++) {
              // Input column i - 1 (continuation token i - 1) predicts continuation token i.
              int base = (r * width + i - 1) * vocab;
              sums[g] += rest[base + cont[i]];
              greedy[g] &= argmax(rest, base, vocab) == cont[i];
            }
          }
        }
      }
      for (int g = 0; g < group.size(); g++) {
        out[group.get(g)] = new LoglikelihoodResult(sums[g], greedy[g], pairs.get(group.get(g)).continuation().length);
      }
    }
  }

  /** Index of the first maximum of {@code v[base, base + n)}, relative to {@code base}, like torch.argmax. */
  private static int argmax(float[] v, int base, int n) {
    int best = 0;
    for (int j = 1; j < n; j++) {
      if (v[base + j] > v[base + best]) {
        best = j;
      }
    }
    return best;
  }

  private void scoreBatch(List<TokenPair> pairs, List<Integer> batch, LoglikelihoodResult[] out) {
    int b = batch.size();
    long[][] inputs = new long[b][];
    int[][] targets = new int[b][];
    int width = 0;
    for (int r = 0; r < b; r++) {
      TokenPair p = pairs.get(batch.get(r));
      if (p.continuation().length == 0) {
        throw new dev.medadapt.core.DataFormatException("request " + batch.get(r)
            + ": the continuation encodes to no tokens");
      }
      int[] all = new int[p.context().length + p.continuation().length];
      System.arraycopy(p.context(), 0, all, 0, p.context().length);
      System.arraycopy(p.continuation(), 0, all, p.context().length, p.continuation().length);
      int[] window = Arrays.copyOfRange(all, Math.max(0, all.length - (maxLength + 1)), all.length);
      inputs[r] = Arrays.stream(Arrays.copyOf(window, window.length - 1)).asLongStream().toArray();
      // The continuation tokens still inside the window (all of them unless it alone exceeds maxLength).
      targets[r] = Arrays.copyOfRange(all, all.length - Math.min(p.continuation().length, window.length - 1), all.length);
      width = Math.max(width, inputs[r].length);
    }
    long[][] ids = new long[b][width];
    long[][] mask = new long[b][width];
    for (int r = 0; r < b; r++) {
      int pad = width - inputs[r].length;
      System.arraycopy(inputs[r], 0, ids[r], pad, inputs[r].length);
      Arrays.fill(mask[r], pad, width, 1);
    }
    try (NDManager req = model.manager().newSubManager()) {
      NDArray logp = model.forward(req.create(ids), mask, null).logSoftmax(-1);
      for (int r = 0; r < b; r++) {
        int n = targets[r].length;
        // Input position j predicts token j + 1, so the last n positions predict the n continuation tokens.
        float[] rows = logp.get(r).get((width - n) + ":" + width).toFloatArray();
        int v = rows.length / n;
        double sum = 0;
        boolean greedy = true;
        for (int i = 0; i < n; i++) {
          int base = i * v;
          int target = targets[r][i];
          sum += rows[base + target];
          greedy &= argmax(rows, base, v) == target;
        }
        out[batch.get(r)] = new LoglikelihoodResult(sum, greedy, n);
      }
    }
  }
}
