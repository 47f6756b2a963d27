package dev.medadapt.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.medadapt.core.model.qwen2.Bf16LinearProjection;
import dev.medadapt.core.model.qwen2.Bf16Matrix;
import dev.medadapt.core.model.qwen2.LinearProjection;
import dev.medadapt.core.model.qwen2.Projection;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.train.data.Batch;
import dev.medadapt.train.data.TokenizedSequence;

/**
 * The causal-LM loss of a frozen lm_head computed from the final hidden states over the supervised positions only,
 * in chunks of the vocabulary with a running (online) softmax, with its gradient formed chunk by chunk, so the
 * {@code [tokens, vocab]} logits never exist whole. Same value and gradients as
 * {@code CausalLmLoss.sum(model.forward(ids), batch)} up to float rounding. With {@code z = h·Wᵀ}:
 *
 * <pre>
 * loss   = Σ (logsumexp(z) − z_y)
 * ∂loss/∂h = softmax(z)·W − W_y = (Σ_c exp(z_c − m)·W_c) / (Σ_c Σ exp(z_c − m)) − W_y
 * </pre>
 *
 * where {@code m} is the running row maximum: when a chunk raises it, the sums so far are rescaled by
 * {@code exp(m_old − m_new)} (the online softmax of Milakov and Gimelshein, 2018, as FlashAttention uses it).
 *
 * <p>Why: at 4096 tokens and Qwen2's 151,936-token vocabulary one float32 logits tensor is 2.5 GB, and the plain
 * autograd path holds the logits, their log-softmax and, during backward, two gradients of that size (about 10 GB).
 * Here the hidden states {@code h} stay in the autograd graph and the loss enters it as the surrogate
 * {@code Σ h·g} with the detached gradient {@code g}: its gradient with respect to every LoRA factor equals the
 * loss's. This is the scheme of fused linear-cross-entropy kernels (e.g. Liger-Kernel's), done with plain ops.
 * Chunking over the vocabulary (not over positions) reads each weight row once per pass, so a float16 lm_head (the
 * NF4 base keeps it in 16 bits) is widened to float32 one chunk at a time, once.
 *
 * <p>Used only when lm_head is a plain float32 or float16 {@link LinearProjection} without bias (no LoRA on lm_head).
 * Not API.
 */
public final class ChunkedLmHeadLoss {
  /**
   * Vocabulary rows per chunk are chosen so that one chunk of logits, and one chunk of the widened weight, hold at
   * most this many floats (64 MB).
   */
  static final long CHUNK_FLOATS = 16L << 20;

  private ChunkedLmHeadLoss() {}

  /** The summed loss and, when requested, the surrogate whose gradient is the loss's gradient. */
  public record Pass(double lossSum, NDArray surrogate) {}

  /** Whether {@code model}'s lm_head can take this path. */
  public static boolean supports(Qwen2Model model) {
    Projection p = model.projection("lm_head");
    return p instanceof Bf16LinearProjection
        || p instanceof LinearProjection lp && lp.bias() == null
        && (lp.weight().getDataType() == DataType.FLOAT32 || lp.weight().getDataType() == DataType.FLOAT16);
  }

  /** Float32 rows of a frozen lm_head weight {@code [V, H]}, read a chunk at a time. */
  interface Rows {
    long count();

    /** Rows {@code [from, to)}, float32, owned by {@code m}. */
    NDArray range(NDManager m, long from, long to);

    /** Rows {@code indices}, float32, owned by {@code m}. */
    NDArray gather(NDManager m, long[] indices);
  }

  /** The rows of a float32 or float16 weight tensor (a float16 one is widened chunk by chunk). */
  static Rows rows(NDArray weight) {
    return new Rows() {
      @Override
      public long count() {
        return weight.getShape().get(0);
      }

      @Override
      public NDArray range(NDManager m, long from, long to) {
        NDArray w = weight.get(from + ":" + to);
        w.attach(m);
        return widen(w);
      }

      @Override
      public NDArray gather(NDManager m, long[] indices) {
        NDArray w = weight.get(new NDIndex("{}", OwnedArrays.of(m, indices, new Shape(indices.length))));
        w.attach(m); // results of weight.get belong to the model's manager: move them to this scope
        return widen(w);
      }
    };
  }

  /** The rows of a bfloat16 host matrix, widened exactly. */
  static Rows rows(Bf16Matrix weight) {
    return new Rows() {
      @Override
      public long count() {
        return weight.rows();
      }

      @Override
      public NDArray range(NDManager m, long from, long to) {
        return weight.rows(m, from, to);
      }

      @Override
      public NDArray gather(NDManager m, long[] indices) {
        return weight.gather(m, indices);
      }
    };
  }

  private static Rows headRows(Projection head) {
    return head instanceof Bf16LinearProjection b ? rows(b.weight()) : rows(((LinearProjection) head).weight());
  }

  /**
   * Runs the model on {@code ids} (owned by the caller's sub-manager) and the loss of {@code batch}.
   *
   * @param withGradient build the surrogate for backward (training); false for evaluation
   */
  public static Pass run(Qwen2Model model, NDArray ids, long[][] mask, Batch batch, boolean withGradient) {
    return run(model, ids, mask, batch, withGradient, CHUNK_FLOATS);
  }

  static Pass run(Qwen2Model model, NDArray ids, long[][] mask, Batch batch, boolean withGradient, long chunkFloats) {
    Projection head = model.projection("lm_head");
    NDArray hidden;
    Projection identity = x -> x;
    model.wrapProjections((name, p) -> name.equals("lm_head") ? identity : p);
    try {
      hidden = model.forward(ids, mask, null); // [B, T, H]: the input lm_head would have seen
    } finally {
      model.wrapProjections((name, p) -> name.equals("lm_head") ? head : p);
    }
    return loss(hidden, headRows(head), batch, withGradient, chunkFloats);
  }

  /** The loss of {@code batch} from the final-normed hidden states {@code [B, T, H]} under the model's lm_head. */
  public static Pass loss(Qwen2Model model, NDArray normedHidden, Batch batch, boolean withGradient) {
    return loss(normedHidden, headRows(model.projection("lm_head")), batch, withGradient, CHUNK_FLOATS);
  }

  /** The loss of hidden states {@code [B, T, H]} under the frozen {@code weight [V, H]}; see the class comment. */
  static Pass loss(NDArray hidden, Rows weight, Batch batch, boolean withGradient, long chunkFloats) {
    NDManager m = hidden.getManager();
    int b = batch.batchSize();
    int t = batch.length();
    long h = hidden.getShape().get(2);
    long vocab = weight.count();
    int n = batch.supervisedTargets();
    long[] rows = new long[n];
    long[] targets = new long[n];
    int k = 0;
    for (int i = 0; i < b; i++) {
      for (int j = 1; j < t; j++) {
        int label = batch.labels()[i * t + j];
        if (label != TokenizedSequence.IGNORE_INDEX) {
          rows[k] = (long) i * t + j - 1; // logits at j - 1 predict the label at j
          targets[k++] = label;
        }
      }
    }
    if (n == 0) {
      return new Pass(0, withGradient ? hidden.sum().mul(m.create(0f)) : null);
    }
    NDArray idx = OwnedArrays.of(m, rows, new Shape(n));
    NDArray selected = hidden.reshape(-1, h).get(new NDIndex("{}", idx)); // [n, H], in the graph
    NDArray x = selected.stopGradient();
    int chunk = (int) Math.max(1, Math.min(vocab, chunkFloats / Math.max(n, h)));
    double lossSum;
    NDArray gradient = null;
    try (NDManager cm = m.newSubManager()) {
      x.attach(cm);
      NDArray wy = weight.gather(cm, targets); // W_y [n, H]
      NDArray zy = x.mul(wy).sum(new int[] {-1}, true); // the target logits [n, 1]
      NDArray runMax = cm.full(new Shape(n, 1), Float.NEGATIVE_INFINITY, DataType.FLOAT32);
      NDArray expSum = cm.zeros(new Shape(n, 1), DataType.FLOAT32);
      NDArray acc = withGradient ? cm.zeros(new Shape(n, h), DataType.FLOAT32) : null;
      for (long v0 = 0; v0 < vocab; v0 += chunk) {
        long v1 = Math.min(vocab, v0 + chunk);
        try (NDManager km = cm.newSubManager()) {
          NDArray wc = weight.range(km, v0, v1); // [c, H] float32
          NDArray z = Linear.linear(x, wc, null).singletonOrThrow(); // [n, c]
          z.attach(km);
          runMax.attach(km); // the old maximum goes with this chunk's scope
          NDArray newMax = runMax.maximum(z.max(new int[] {-1}, true));
          NDArray alpha = runMax.sub(newMax).exp(); // rescales the sums so far (0 on the first chunk)
          NDArray e = z.sub(newMax).exp();
          expSum.muli(alpha).addi(e.sum(new int[] {-1}, true));
          if (acc != null) {
            acc.muli(alpha).addi(e.matMul(wc));
          }
          newMax.attach(cm);
          runMax = newMax;
        }
      }
      NDArray lse = runMax.add(expSum.log());
      lossSum = lse.sub(zy).sum().toType(DataType.FLOAT64, false).getDouble();
      if (acc != null) {
        gradient = acc.div(expSum).sub(wy); // softmax(z)·W − W_y
        gradient.attach(m);
      }
    }
    NDArray surrogate = withGradient ? selected.mul(gradient).sum() : null;
    return new Pass(lossSum, surrogate);
  }

  /** {@code w} as float32 (a float16 lm_head is widened; the result belongs to w's manager). */
  private static NDArray widen(NDArray w) {
    return w.getDataType() == DataType.FLOAT32 ? w : w.toType(DataType.FLOAT32, false);
  }
}
