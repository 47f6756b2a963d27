package dev.medadapt.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import dev.medadapt.core.llm.TextTokenizer;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

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
 */
public final class LoglikelihoodScorer {
  private final Qwen2Model model;
  private final TextTokenizer tokenizer;
  private final int prefixTokenId;
  private final int maxLength;
  private final int batchSize;

  /**
   * @param prefixTokenId token that stands in for an empty context (lm-eval uses the EOT/EOS token)
   * @param maxLength longest input the model sees
   * @param batchSize rows per forward pass
   */
  public LoglikelihoodScorer(Qwen2Model model, TextTokenizer tokenizer, int prefixTokenId, int maxLength, int batchSize) {
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
    Integer[] order = new Integer[pairs.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(
        (Integer i) -> -(pairs.get(i).context().length + pairs.get(i).continuation().length)));
    for (int start = 0; start < order.length; start += batchSize) {
      List<Integer> batch = new ArrayList<>(Arrays.asList(order).subList(start, Math.min(order.length, start + batchSize)));
      scoreBatch(pairs, batch, out);
    }
    return Arrays.asList(out);
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
          int argmax = 0; // first maximum, like torch.argmax
          for (int j = 1; j < v; j++) {
            if (rows[base + j] > rows[base + argmax]) {
              argmax = j;
            }
          }
          greedy &= argmax == target;
        }
        out[batch.get(r)] = new LoglikelihoodResult(sum, greedy, n);
      }
    }
  }
}
