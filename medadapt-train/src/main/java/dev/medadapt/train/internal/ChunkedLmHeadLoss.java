package dev.medadapt.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.medadapt.core.model.qwen2.LinearProjection;
import dev.medadapt.core.model.qwen2.Projection;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.train.data.Batch;
import dev.medadapt.train.data.TokenizedSequence;
import java.util.ArrayList;
import java.util.List;

/**
 * The causal-LM loss of a frozen float32 lm_head computed from the final hidden states in row chunks, over the
 * supervised positions only, with its gradient formed chunk by chunk, so the {@code [tokens, vocab]} logits never
 * exist whole. Same value and gradients as {@code CausalLmLoss.sum(model.forward(ids), batch)} up to float rounding
 * (the same formulas: loss = Σ (logsumexp(z) − z_y); ∂loss/∂z = softmax(z) − onehot(y); ∂loss/∂h = (∂loss/∂z)·W).
 *
 * <p>Why: at 4096 tokens and Qwen2's 151,936-token vocabulary one float32 logits tensor is 2.5 GB, and the plain
 * autograd path holds the logits, their log-softmax and, during backward, two gradients of that size (about 10 GB).
 * Here the hidden states {@code h} stay in the autograd graph and the loss enters it as the surrogate
 * {@code Σ h·g} with the detached chunk gradients {@code g}: its gradient with respect to every LoRA factor equals the
 * loss's. This is the scheme of fused linear-cross-entropy kernels (e.g. Liger-Kernel's), done with plain ops.
 *
 * <p>Used only when lm_head is a plain float32 {@link LinearProjection} (no LoRA on lm_head, not float16). Not API.
 */
public final class ChunkedLmHeadLoss {
  /** Rows per chunk are chosen so that one chunk of logits holds at most this many floats (64 MB). */
  static final long CHUNK_FLOATS = 16L << 20;

  private ChunkedLmHeadLoss() {}

  /** The summed loss and, when requested, the surrogate whose gradient is the loss's gradient. */
  public record Pass(double lossSum, NDArray surrogate) {}

  /** Whether {@code model}'s lm_head can take this path. */
  public static boolean supports(Qwen2Model model) {
    return model.projection("lm_head") instanceof LinearProjection lp
        && lp.weight().getDataType() == DataType.FLOAT32 && lp.bias() == null;
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
    LinearProjection head = (LinearProjection) model.projection("lm_head");
    NDArray hidden;
    Projection identity = x -> x;
    model.wrapProjections((name, p) -> name.equals("lm_head") ? identity : p);
    try {
      hidden = model.forward(ids, mask, null); // [B, T, H]: the input lm_head would have seen
    } finally {
      model.wrapProjections((name, p) -> name.equals("lm_head") ? head : p);
    }
    return loss(hidden, head.weight(), batch, withGradient, chunkFloats);
  }

  /** The loss of {@code batch} from the final-normed hidden states {@code [B, T, H]} under the model's lm_head. */
  public static Pass loss(Qwen2Model model, NDArray normedHidden, Batch batch, boolean withGradient) {
    return loss(normedHidden, ((LinearProjection) model.projection("lm_head")).weight(), batch, withGradient,
        CHUNK_FLOATS);
  }

  /** The loss of hidden states {@code [B, T, H]} under the frozen {@code weight [V, H]}; see the class comment. */
  static Pass loss(NDArray hidden, NDArray weight, Batch batch, boolean withGradient, long chunkFloats) {
    NDManager m = hidden.getManager();
    int b = batch.batchSize();
    int t = batch.length();
    long h = hidden.getShape().get(2);
    long vocab = weight.getShape().get(0);
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
    NDArray detached = selected.stopGradient();
    int chunk = (int) Math.max(1, Math.min(n, chunkFloats / vocab));
    double lossSum = 0;
    List<NDArray> grads = new ArrayList<>();
    for (int start = 0; start < n; start += chunk) {
      int end = Math.min(n, start + chunk);
      try (NDManager cm = m.newSubManager()) {
        NDArray hc = detached.get(start + ":" + end);
        hc.attach(cm);
        NDArray y = cm.create(java.util.Arrays.copyOfRange(targets, start, end), new Shape(end - start, 1));
        NDArray logp = Linear.linear(hc, weight, null).singletonOrThrow().logSoftmax(-1); // [c, V]
        NDArray picked = logp.gather(y, -1);
        lossSum -= picked.sum().toType(DataType.FLOAT64, false).getDouble();
        if (withGradient) {
          // softmax − onehot(y), written as a scatter of (p_y − 1) into exp(logp)
          NDArray p = logp.exp();
          long[] flat = new long[end - start];
          for (int r = 0; r < flat.length; r++) {
            flat[r] = r * vocab + targets[start + r];
          }
          NDArray g = p.reshape(-1).put(cm.create(flat), picked.exp().sub(cm.create(1f)).reshape(-1))
              .reshape(end - start, vocab);
          NDArray gh = g.matMul(weight); // [c, H]
          gh.attach(m);
          grads.add(gh);
        }
      }
    }
    NDArray surrogate = null;
    if (withGradient) {
      NDArray g = grads.size() == 1 ? grads.get(0) : NDArrays.concat(new NDList(grads), 0);
      surrogate = selected.mul(g).sum();
    }
    return new Pass(lossSum, surrogate);
  }
}
