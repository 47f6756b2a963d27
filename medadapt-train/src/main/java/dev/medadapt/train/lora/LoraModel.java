package dev.medadapt.train.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Linear;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.model.Qwen2Config;
import dev.medadapt.core.model.qwen2.Projection;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.train.DeterministicRandom;
import dev.medadapt.train.FloatTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA attached to a frozen {@link Qwen2Model}: every targeted projection becomes
 * {@code base(x) + scaling · B(A(dropout(x)))} (PEFT {@code lora.Linear.forward}), and a targeted
 * {@code embed_tokens} becomes {@code base(ids) + scaling · embedding(ids, Aᵀ)·Bᵀ} (PEFT {@code lora.Embedding},
 * no dropout). The factors are float32 NDArrays in the model's manager with gradients enabled; the base weights
 * receive none.
 *
 * <p>Scalars in the autograd graph are tensors on the activation's manager, never {@code mul(float)}: DJL wraps a
 * {@code Number} in a temporary tensor over a Java direct buffer and closes it at once, while PyTorch saves it for the
 * backward pass, which then reads freed memory after a garbage collection (non-finite gradients on long sequences).
 *
 * <p>Dropout masks are not drawn from a global generator: each is a function of (seed, step, micro-batch, module)
 * via {@link DeterministicRandom#derive}, set with {@link #trainingContext}, so a resumed run draws exactly the masks
 * the uninterrupted run would have drawn. With no context (evaluation) dropout is off.
 */
public final class LoraModel {
  private final Qwen2Model model;
  private final LoraConfig config;
  private final Map<String, NDArray[]> factors = new LinkedHashMap<>();
  private final Map<String, LoraPair.Kind> kinds = new LinkedHashMap<>();
  private final float scaling;
  private long[] context;
  /** {start, total} while dropout inputs are a window of positions of a longer sequence, else null. */
  private int[] window;

  private LoraModel(Qwen2Model model, LoraConfig config) {
    this.model = model;
    this.config = config;
    this.scaling = (float) config.scaling();
  }

  /** Attaches freshly initialized adapters (PEFT's init, seeded) to every module {@code config} targets. */
  public static LoraModel attach(Qwen2Model model, LoraConfig config, long seed) {
    LoraInitializer init = new LoraInitializer(seed);
    Map<String, LoraPair> pairs = new LinkedHashMap<>();
    for (String name : model.projectionNames()) {
      if (config.targets(name)) {
        int[] oi = shapeOf(model.config(), name);
        pairs.put(name, name.equals("model.embed_tokens")
            ? init.embedding(name, oi[0], oi[1], config.rank())
            : init.linear(name, oi[1], oi[0], config.rank()));
      }
    }
    return attach(model, new LoraAdapter(config, pairs));
  }

  /** Attaches an existing adapter (trained here or loaded from PEFT); shapes are checked against the model. */
  public static LoraModel attach(Qwen2Model model, LoraAdapter adapter) {
    LoraModel lm = new LoraModel(model, adapter.config());
    if (adapter.modules().isEmpty()) {
      throw new ConfigurationException("the LoRA target modules " + adapter.config().targetModules()
          + " match no projection of the model");
    }
    for (Map.Entry<String, LoraPair> e : adapter.modules().entrySet()) {
      String name = e.getKey();
      if (!model.projectionNames().contains(name)) {
        throw new ModelFormatException("adapter module '" + name + "' is not a projection of the model in "
            + model.source());
      }
      LoraPair p = e.getValue();
      int[] oi = shapeOf(model.config(), name);
      boolean emb = name.equals("model.embed_tokens");
      if (emb != (p.kind() == LoraPair.Kind.EMBEDDING)) {
        throw new ModelFormatException("adapter module '" + name + "' has " + p.kind() + " factors");
      }
      int[] expectA = emb ? new int[] {p.rank(), oi[0]} : new int[] {p.rank(), oi[1]};
      int[] expectB = emb ? new int[] {oi[1], p.rank()} : new int[] {oi[0], p.rank()};
      if (!Arrays.equals(p.a().shape(), expectA) || !Arrays.equals(p.b().shape(), expectB)) {
        throw new ModelFormatException("adapter module '" + name + "' has A " + Arrays.toString(p.a().shape())
            + " and B " + Arrays.toString(p.b().shape()) + "; the model needs A " + Arrays.toString(expectA)
            + " and B " + Arrays.toString(expectB));
      }
      lm.factors.put(name, new NDArray[] {parameter(model, p.a()), parameter(model, p.b())});
      lm.kinds.put(name, p.kind());
    }
    model.wrapProjections((name, base) -> lm.factors.containsKey(name) ? lm.wrap(name, base) : base);
    return lm;
  }

  /** {@code [out, in]} of a linear module, {@code [vocab, hidden]} for the embedding. */
  static int[] shapeOf(Qwen2Config c, String name) {
    int h = c.hiddenSize();
    int q = c.numAttentionHeads() * c.headDim();
    int kv = c.numKeyValueHeads() * c.headDim();
    int inter = c.intermediateSize();
    String leaf = name.substring(name.lastIndexOf('.') + 1);
    return switch (leaf) {
      case "q_proj" -> new int[] {q, h};
      case "k_proj", "v_proj" -> new int[] {kv, h};
      case "o_proj" -> new int[] {h, q};
      case "gate_proj", "up_proj" -> new int[] {inter, h};
      case "down_proj" -> new int[] {h, inter};
      case "lm_head", "embed_tokens" -> new int[] {c.vocabSize(), h};
      default -> throw new ConfigurationException("no LoRA shape rule for module " + name);
    };
  }

  private Projection wrap(String name, Projection base) {
    NDArray[] ab = factors.get(name);
    long moduleKey = DeterministicRandom.hash(name);
    if (kinds.get(name) == LoraPair.Kind.EMBEDDING) {
      return ids -> {
        NDArray y = base.apply(ids);
        NDArray at = ab[0].transpose();
        at.attach(ids.getManager());
        NDArray afterA = ids.getNDArrayInternal().embedding(ids, at, SparseFormat.DENSE).singletonOrThrow();
        return y.add(Linear.linear(afterA, ab[1], null).singletonOrThrow().mul(ids.getManager().create(scaling)));
      };
    }
    return x -> {
      NDArray y = base.apply(x);
      NDArray xd = dropout(x, moduleKey);
      NDArray delta = Linear.linear(Linear.linear(xd, ab[0], null).singletonOrThrow(), ab[1], null).singletonOrThrow();
      // A tensor of the activation's manager, alive until backward (see the class comment).
      NDArray scaled = delta.mul(x.getManager().create(scaling));
      NDArray out = y.add(scaled);
      // Autograd keeps none of these three (add and a multiplication by a constant save no operand; the linear maps
      // keep their inputs), but a DJL manager holds every array until it closes: at 512 tokens on the 1.5B shape that
      // is about 140 MB per layer, the largest share of the step's activation memory. Closing the handles frees them
      // now; the torch-owned tensors autograd saved are reference-counted and stay.
      y.close();
      delta.close();
      scaled.close();
      return out;
    };
  }

  private NDArray dropout(NDArray x, long moduleKey) {
    double p = config.dropout();
    if (context == null || p == 0) {
      return x;
    }
    long n = x.getShape().size();
    DeterministicRandom r = DeterministicRandom.derive(context[0], context[1], context[2], moduleKey);
    long[] dropped;
    if (window == null) {
      dropped = droppedPositions(r, n, p);
    } else {
      long rows = x.getShape().get(0);
      long t = x.getShape().get(1);
      long f = n / (rows * t);
      long rowLength = window[1] * f;
      long full = rows * rowLength;
      // The draws of the whole sequence up to the window's last position, then the window's share of them: the
      // same mask the whole [rows, total, f] input gets, sliced.
      long[] all = droppedPositions(r, full, (rows - 1) * rowLength + (window[0] + t) * f, p);
      long lo = window[0] * f;
      long hi = lo + t * f;
      int k = 0;
      for (long q : all) {
        long row = q / rowLength;
        long in = q - row * rowLength;
        if (in >= lo && in < hi) {
          all[k++] = row * t * f + in - lo;
        }
      }
      dropped = Arrays.copyOf(all, k);
    }
    NDManager m = x.getManager();
    // torch.nn.Dropout: zero with probability p, scale survivors by 1/(1-p). The mask is built natively (a fill and
    // one scatter of the dropped positions): drawing one random number per element in Java and copying a float
    // mask the size of the activation into native memory cost about a quarter of an SFT step.
    NDArray mask = m.full(x.getShape(), (float) (1.0 / (1.0 - p)), DataType.FLOAT32);
    if (dropped.length > 0) {
      try (NDArray flat = mask.reshape(n);
          NDArray idx = m.create(dropped);
          NDArray zeros = m.zeros(new Shape(dropped.length), DataType.FLOAT32);
          NDArray put = flat.put(idx, zeros)) {
        NDArray shaped = put.reshape(x.getShape());
        mask.close();
        mask = shaped;
      }
    }
    return x.mul(mask);
  }

  /**
   * Flat positions of {@code [0, n)} dropped with probability {@code p} each, independently: the gaps between
   * dropped positions are geometric, {@code floor(ln(1 − u) / ln(1 − p))} kept positions for uniform {@code u}
   * (Devroye, "Non-Uniform Random Variate Generation", 1986, X.2), so one random number is drawn per dropped
   * position (5% of the elements at p = 0.05) instead of one per element. Ascending.
   */
  static long[] droppedPositions(DeterministicRandom r, long n, double p) {
    return droppedPositions(r, n, n, p);
  }

  /** {@link #droppedPositions(DeterministicRandom, long, double)}, stopping before position {@code limit}. */
  static long[] droppedPositions(DeterministicRandom r, long n, long limit, double p) {
    double logKeep = Math.log1p(-p);
    long end = Math.min(n, limit);
    long[] out = new long[(int) Math.min(end, Math.max(16, (long) (end * p * 1.1) + 64))];
    int k = 0;
    long pos = -1;
    while (true) {
      double gap = Math.floor(Math.log1p(-r.nextDouble()) / logKeep);
      if (gap >= end - pos - 1) {
        break;
      }
      pos += (long) gap + 1;
      if (k == out.length) {
        out = Arrays.copyOf(out, (int) Math.min(end, (long) out.length * 2));
      }
      out[k++] = pos;
    }
    return k == out.length ? out : Arrays.copyOf(out, k);
  }

  /**
   * Until {@link #wholeSequence()}, the inputs {@code [B, t, ...]} of the adapted projections are positions
   * {@code [start, start + t)} of sequences of {@code totalTokens} positions, and dropout masks them exactly as it
   * masks those positions of the whole input. Activation checkpointing uses this to recompute a position-wise block
   * in slices of positions with the masks of the full pass.
   */
  public void tokenWindow(int start, int totalTokens) {
    if (start < 0 || totalTokens <= start) {
      throw new IllegalArgumentException("window start " + start + " outside a sequence of " + totalTokens);
    }
    window = new int[] {start, totalTokens};
  }

  /** Ends {@link #tokenWindow}: inputs are whole sequences again. */
  public void wholeSequence() {
    window = null;
  }

  /**
   * Turns dropout on with masks derived from {@code (seed, step, microBatch)}; {@link #evalContext()} turns it off.
   */
  public void trainingContext(long seed, long step, long microBatch) {
    context = new long[] {seed, step, microBatch};
  }

  /** No dropout (evaluation, inference). */
  public void evalContext() {
    context = null;
    window = null;
  }

  public Qwen2Model model() {
    return model;
  }

  public LoraConfig config() {
    return config;
  }

  /** Trainable factors by name ({@code <module>.lora_A} / {@code <module>.lora_B}), in module order. */
  public Map<String, NDArray> parameters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray[]> e : factors.entrySet()) {
      out.put(e.getKey() + ".lora_A", e.getValue()[0]);
      out.put(e.getKey() + ".lora_B", e.getValue()[1]);
    }
    return out;
  }

  /** Whether the parameter belongs to an embedding or lm_head adapter (which may get their own learning rate). */
  public static boolean isEmbeddingParameter(String parameterName) {
    return parameterName.startsWith("model.embed_tokens.") || parameterName.startsWith("lm_head.");
  }

  /**
   * Sets the gradient buffer of {@code param} to exactly zero. DJL allocates that buffer when gradients are enabled
   * and PyTorch accumulates into it, so it must start at zero; {@code g - g} would keep NaN/inf, hence multiply and
   * then clear NaN.
   */
  public static void zeroGradient(NDArray param) {
    try (NDArray g = param.getGradient()) {
      g.muli(0f);
      try (NDArray nan = g.isNaN()) {
        g.set(nan, 0f);
      }
    }
  }

  /** Adapted module names. */
  public List<String> modules() {
    return new ArrayList<>(factors.keySet());
  }

  /** A copy of the current factors. */
  public LoraAdapter toAdapter() {
    Map<String, LoraPair> pairs = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray[]> e : factors.entrySet()) {
      pairs.put(e.getKey(), new LoraPair(kinds.get(e.getKey()), tensor(e.getValue()[0]), tensor(e.getValue()[1])));
    }
    return new LoraAdapter(config, pairs);
  }

  /**
   * Replaces the factors with {@code adapter}'s (same modules and shapes), e.g. when resuming. Arrays obtained from
   * {@link #parameters()} before this call are closed; ask again.
   */
  public void load(LoraAdapter adapter) {
    if (!adapter.modules().keySet().equals(factors.keySet())) {
      throw new ConfigurationException("adapter modules " + adapter.modules().keySet() + " differ from the attached "
          + factors.keySet());
    }
    for (Map.Entry<String, LoraPair> e : adapter.modules().entrySet()) {
      NDArray[] ab = factors.get(e.getKey());
      NDArray[] old = ab.clone();
      ab[0] = parameter(model, e.getValue().a());
      ab[1] = parameter(model, e.getValue().b());
      old[0].close();
      old[1].close();
    }
  }

  /**
   * A trainable float32 array owned by PyTorch. {@code NDManager.create(float[])} wraps a Java direct buffer with
   * {@code from_blob}; copying it into torch-owned storage keeps the parameter independent of that buffer's
   * lifetime (the same reason core's weight loader copies). Parameters are replaced, never {@code set()} in place:
   * DJL's {@code set(Buffer)} may repoint the tensor at a temporary buffer.
   */
  private static NDArray parameter(Qwen2Model model, FloatTensor t) {
    NDArray owned = dev.medadapt.train.internal.OwnedArrays.of(model.manager(), t.data(), new Shape(toLong(t.shape())));
    owned.setRequiresGradient(true);
    zeroGradient(owned);
    return owned;
  }

  /** Trainable parameter count. */
  public long trainableParameters() {
    long n = 0;
    for (NDArray[] ab : factors.values()) {
      n += ab[0].size() + ab[1].size();
    }
    return n;
  }

  static FloatTensor tensor(NDArray a) {
    long[] s = a.getShape().getShape();
    int[] shape = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      shape[i] = Math.toIntExact(s[i]);
    }
    NDArray f = a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
    return new FloatTensor(shape, f.toFloatArray());
  }

  private static long[] toLong(int[] s) {
    long[] l = new long[s.length];
    for (int i = 0; i < s.length; i++) {
      l[i] = s[i];
    }
    return l;
  }

  /** Validates that {@code x} exists; used by builders. */
  static <T> T require(T x, String name) {
    return Ensure.notNull(x, name);
  }
}
