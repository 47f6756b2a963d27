package dev.medadapt.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.train.CausalLmLoss;
import dev.medadapt.train.data.Batch;
import dev.medadapt.train.lora.LoraModel;
import dev.medadapt.train.quant.Nf4FrozenLinear;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The forward and backward pass of one training micro-batch: {@link #forward} computes the summed loss (so the
 * trainer can stop on a non-finite loss before any gradient exists), {@link #backward} accumulates
 * {@code ∂(loss / divisor)} into the LoRA factors' gradients. Two strategies with the same gradients:
 *
 * <ul>
 *   <li>{@link #eager}: the whole forward pass under autograd, one backward call. Autograd keeps every layer's
 *       activations (and, with an NF4 base, every layer's dequantized weights) until backward.
 *   <li>{@link #checkpointed}: layer-wise activation checkpointing ({@code gradient_checkpointing=True} in
 *       transformers; Chen et al., "Training Deep Nets with Sublinear Memory Cost", 2016). The forward runs without
 *       recording and keeps only each decoder layer's input; backward recomputes one layer at a time under autograd,
 *       with its input as a leaf that requires a gradient, and backpropagates the upstream gradient {@code g} through
 *       it as the surrogate {@code Σ out ⊙ g} (DJL has no custom autograd function). Inside the recomputed layer the
 *       attention core runs outside the graph and its gradient is formed block by block
 *       ({@link AttentionGradient}), so no layer's {@code [heads, T, T]} probabilities exist whole; the
 *       position-wise MLP half is recomputed and backpropagated in slices of positions, so its
 *       {@code [T, intermediate]} activations never exist whole under autograd either.
 * </ul>
 *
 * Must be created and run inside an open {@link GradientCollector}. Not API.
 */
public abstract class MicroBatchPass {
  final Qwen2Model model;
  final NDManager sub;
  final Batch batch;

  MicroBatchPass(Qwen2Model model, NDManager sub, Batch batch) {
    this.model = model;
    this.sub = sub;
    this.batch = batch;
  }

  /** The full-graph strategy. */
  public static MicroBatchPass eager(Qwen2Model model, NDManager sub, Batch batch) {
    return new Eager(model, sub, batch);
  }

  /**
   * Positions per slice of the MLP half of a recomputed layer are chosen so that one {@code [B, positions,
   * intermediate]} activation holds at most this many floats (32 MB): at 4,096 positions the 1.5B shape's MLP
   * activations are 147 MB each, and autograd keeps several of them and their gradients.
   */
  public static final long MLP_SLICE_FLOATS = 8L << 20;

  /**
   * Floats per block of attention scores in training (32 MB): smaller than inference's
   * {@link Qwen2Model#ATTENTION_BLOCK_FLOATS} because the attention gradient keeps about seven block-sized arrays
   * alive at once (scores, probabilities, their gradients); at 4,096 positions and 12 heads a block is 170 query rows.
   */
  public static final long ATTENTION_BLOCK_FLOATS = 8L << 20;

  /**
   * The layer-wise recomputation strategy. The MLP half of each layer is computed in slices of positions
   * ({@link #MLP_SLICE_FLOATS}), with the dropout masks of the whole sequence ({@link LoraModel#tokenWindow}).
   */
  public static MicroBatchPass checkpointed(LoraModel lora, NDManager sub, Batch batch) {
    return checkpointed(lora, sub, batch, ATTENTION_BLOCK_FLOATS, MLP_SLICE_FLOATS);
  }

  /** {@link #checkpointed(LoraModel, NDManager, Batch)} with explicit block and slice sizes (tests). */
  public static MicroBatchPass checkpointed(LoraModel lora, NDManager sub, Batch batch, long attentionBlockFloats,
      long mlpSliceFloats) {
    return new Checkpointed(lora, sub, batch, attentionBlockFloats, mlpSliceFloats);
  }

  /** Runs the forward pass; returns the summed loss over the micro-batch's supervised targets. */
  public abstract double forward();

  /** Backpropagates {@code loss / divisor} into the trainable parameters' gradients (accumulating). */
  public abstract void backward(GradientCollector gc, float divisor);

  /** The input ids {@code [B, T]} as int64 on {@code sub}. */
  public static NDArray ids(NDManager sub, Batch b) {
    long[] ids = new long[b.inputIds().length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = b.inputIds()[i];
    }
    return OwnedArrays.of(sub, ids, new Shape(b.batchSize(), b.length()));
  }

  /** The attention mask as the model takes it, or null when no position is padding. */
  public static long[][] attentionMask(Batch b) {
    boolean padded = false;
    for (int v : b.attentionMask()) {
      padded |= v == 0;
    }
    if (!padded) {
      return null;
    }
    long[][] mask = new long[b.batchSize()][b.length()];
    for (int r = 0; r < b.batchSize(); r++) {
      for (int t = 0; t < b.length(); t++) {
        mask[r][t] = b.attentionMask()[r * b.length() + t];
      }
    }
    return mask;
  }

  /**
   * The loss of {@code batch} from the final hidden states {@code x [B, T, H]} (before the final norm): the chunked
   * lm_head loss where the head allows it, else through the full logits.
   */
  static ChunkedLmHeadLoss.Pass headLoss(Qwen2Model model, NDArray x, Batch batch, boolean withGradient) {
    NDArray normed = model.finalNorm(x);
    if (ChunkedLmHeadLoss.supports(model)) {
      return ChunkedLmHeadLoss.loss(model, normed, batch, withGradient);
    }
    NDArray sum = CausalLmLoss.sum(model.projection("lm_head").apply(normed), batch);
    return new ChunkedLmHeadLoss.Pass(sum.getFloat(), withGradient ? sum : null);
  }

  private static final class Eager extends MicroBatchPass {
    private NDArray objective;

    Eager(Qwen2Model model, NDManager sub, Batch batch) {
      super(model, sub, batch);
    }

    @Override
    public double forward() {
      ChunkedLmHeadLoss.Pass p;
      if (ChunkedLmHeadLoss.supports(model)) {
        p = ChunkedLmHeadLoss.run(model, ids(sub, batch), attentionMask(batch), batch, true);
      } else {
        NDArray sum = CausalLmLoss.sum(model.forward(ids(sub, batch), attentionMask(batch), null), batch);
        p = new ChunkedLmHeadLoss.Pass(sum.getFloat(), sum);
      }
      objective = p.surrogate();
      return p.lossSum();
    }

    @Override
    public void backward(GradientCollector gc, float divisor) {
      // Divide by a tensor of the micro-batch's manager, not div(float): see LoraModel on scalars in the graph.
      gc.backward(objective.div(sub.create(divisor)));
    }
  }

  private static final class Checkpointed extends MicroBatchPass {
    private final LoraModel lora;
    private final long attentionBlockFloats;
    private final int sliceRows;
    private final boolean embeddingTrains;
    private NDArray ids;
    private Qwen2Model.Positions pos;
    /** Input of each decoder layer, then the final hidden state. */
    private NDArray[] inputs;
    private NDManager top;
    private NDArray topLeaf;
    private NDArray topObjective;

    Checkpointed(LoraModel lora, NDManager sub, Batch batch, long attentionBlockFloats, long mlpSliceFloats) {
      super(lora.model(), sub, batch);
      this.lora = lora;
      this.embeddingTrains = lora.modules().contains("model.embed_tokens");
      this.attentionBlockFloats = attentionBlockFloats;
      long perRow = (long) batch.batchSize() * lora.model().config().intermediateSize();
      this.sliceRows = (int) Math.max(1, Math.min(batch.length(), mlpSliceFloats / perRow));
    }

    @Override
    public double forward() {
      int layers = model.config().numHiddenLayers();
      ids = ids(sub, batch);
      pos = model.positions(sub, batch.batchSize(), batch.length(), attentionMask(batch));
      inputs = new NDArray[layers + 1];
      boolean grad = JniUtils.isGradMode();
      JniUtils.setGradMode(false); // nothing recorded: the LoRA factors require gradients
      try {
        NDArray x = model.embed(ids);
        inputs[0] = x;
        for (int l = 0; l < layers; l++) {
          // Each layer's intermediates live in a scope closed when it ends; only its output is kept.
          try (NDManager lm = sub.newSubManager()) {
            x.attach(lm);
            NDArray h = model.attentionResidual(
                l, x, model.attention(model.attentionInputs(l, x, pos), pos, attentionBlockFloats));
            int layer = l;
            NDArray y = overSlices(lm, (sm, t0) -> model.mlpResidual(layer, slice(h, sm, t0)));
            y.attach(sub);
            x.attach(sub);
            x = y;
          }
          inputs[l + 1] = x;
        }
      } finally {
        JniUtils.setGradMode(grad);
      }
      // The final norm and the loss under autograd, from a leaf on the last hidden state.
      top = sub.newSubManager();
      topLeaf = leaf(inputs[layers], top);
      ChunkedLmHeadLoss.Pass p = headLoss(model, topLeaf, batch, true);
      topObjective = p.surrogate();
      return p.lossSum();
    }

    @Override
    public void backward(GradientCollector gc, float divisor) {
      gc.backward(topObjective.div(top.create(divisor)));
      NDArray g = gradientOf(topLeaf, sub);
      top.close();
      for (int l = model.config().numHiddenLayers() - 1; l >= 0; l--) {
        NDArray next;
        try (NDManager lm = layerScope(sub)) {
          NDArray x = leaf(inputs[l], lm);
          Qwen2Model.Qkv qkv = model.attentionInputs(l, x, pos);
          Qwen2Model.Qkv detached = new Qwen2Model.Qkv(
              qkv.q().stopGradient(), qkv.k().stopGradient(), qkv.v().stopGradient());
          // Outside the graph (its inputs need no gradient); its gradient comes from AttentionGradient below.
          NDArray attn = model.attention(detached, pos, attentionBlockFloats);
          attn.setRequiresGradient(true);
          NDArray h = model.attentionResidual(l, x, attn);
          // The MLP half slice by slice of positions: each slice's graph is built, backpropagated and freed before
          // the next, and its input's gradient is kept.
          int layer = l;
          NDArray upstream = g;
          NDArray dh = overSlices(lm, (sm, t0) -> {
            NDArray hs = leaf(slice(h, sm, t0), sm);
            gc.backward(model.mlpResidual(layer, hs).mul(slice(upstream, sm, t0)).sum());
            return gradientOf(hs, sm);
          });
          gc.backward(h.mul(dh).sum());
          NDArray[] dqkv =
              AttentionGradient.of(model.config(), detached, pos, gradientOf(attn, lm), attentionBlockFloats);
          gc.backward(qkv.q().mul(dqkv[0]).sum().add(qkv.k().mul(dqkv[1]).sum()).add(qkv.v().mul(dqkv[2]).sum()));
          next = gradientOf(x, sub);
        }
        g.close();
        inputs[l + 1].close();
        g = next;
      }
      if (embeddingTrains) {
        try (NDManager em = sub.newSubManager()) {
          NDArray idsHere = ids.duplicate();
          idsHere.attach(em);
          gc.backward(model.embed(idsHere).mul(g).sum());
        }
      }
      g.close();
    }

    /**
     * {@code perSlice(scope, t0)} for each slice of positions {@code [t0, t0 + sliceRows)}, each in a
     * {@link #layerScope} of its own under {@code parent} with the LoRA dropout window set to that slice; the
     * results, moved to {@code parent}, concatenated along positions.
     */
    private NDArray overSlices(NDManager parent, BiFunction<NDManager, Integer, NDArray> perSlice) {
      List<NDArray> parts = new ArrayList<>();
      for (int t0 = 0; t0 < batch.length(); t0 += sliceRows) {
        try (NDManager sm = layerScope(parent)) {
          lora.tokenWindow(t0, batch.length());
          NDArray part = perSlice.apply(sm, t0);
          part.attach(parent);
          parts.add(part);
        } finally {
          lora.wholeSequence();
        }
      }
      return parts.size() == 1 ? parts.get(0) : NDArrays.concat(new NDList(parts), 1);
    }

    /** Positions {@code [t0, t0 + sliceRows)} of {@code x [B, T, ...]}, on {@code owner}. */
    private NDArray slice(NDArray x, NDManager owner, int t0) {
      NDArray s = x.get(":, " + t0 + ":" + Math.min(batch.length(), t0 + sliceRows));
      s.attach(owner);
      return s;
    }

    /**
     * A manager for one layer (or a slice of it), named {@link Nf4FrozenLinear#LAYER_SCOPE}: while autograd records
     * (a recomputed layer), the NF4 base may then give it weights that stay valid only until the next layer is
     * recomputed; with recording off (the forward pass) the name changes nothing.
     */
    private static NDManager layerScope(NDManager parent) {
      NDManager m = parent.newSubManager();
      m.setName(Nf4FrozenLinear.LAYER_SCOPE);
      return m;
    }

    /** A detached view of {@code x} on {@code owner} that requires a gradient (a leaf of the recomputed graph). */
    private static NDArray leaf(NDArray x, NDManager owner) {
      NDArray l = x.stopGradient();
      l.attach(owner);
      l.setRequiresGradient(true);
      return l;
    }

    /** The gradient accumulated in leaf {@code x}, as a copy owned by {@code owner}. */
    private static NDArray gradientOf(NDArray x, NDManager owner) {
      try (NDArray g = x.getGradient()) {
        NDArray c = g.duplicate();
        c.attach(owner);
        return c;
      }
    }
  }
}
