package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.medadapt.core.model.Qwen2Config;
import dev.medadapt.core.quant.internal.DenseKernel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One decode step of {@link Qwen2Model} (one new token per row, with a cache, no autograd, on the CPU) computed on
 * Java arrays: the norms, rotary embedding, attention over the cache's {@linkplain KvCache#appendHost host copy},
 * SwiGLU and residuals run in Java, and each projection is a {@link HostProjection}'s product on the arrays (the
 * quantized layers) or one tensor product per projection (dense layers, LoRA wrappers). A tensor-operation step costs
 * some 70 small PyTorch calls per layer, each with its dispatch, allocation and thread hand-off; on the 1.5B shape that
 * was about 4 ms per layer per token, more than the INT8 products themselves. Follows the same formulas, in the same
 * order, as the tensor path ({@link Qwen2Model#forward}); results agree to float rounding.
 */
final class HostDecoder {
  /** Attention work (multiply-adds) below which one thread does all heads: a hand-off costs ~10 µs. */
  private static final long PARALLEL_ATTENTION_WORK = 1L << 16;
  /** Elements of an activation below which it is not split over cores (a batch of 4 rows or more of the MLP is). */
  private static final int PARALLEL_ELEMENTWISE_WORK = 1 << 15;

  private final Qwen2Model model;
  private final Qwen2Config config;
  private final float[][] inputNorm;
  private final float[][] postNorm;
  private final float[] finalNorm;
  private final double[] invFreq;
  private final DenseKernel kernel = DenseKernel.get();

  HostDecoder(Qwen2Model model, float[][] inputNorm, float[][] postNorm, float[] finalNorm, double[] invFreq) {
    this.model = model;
    this.config = model.config();
    this.inputNorm = inputNorm;
    this.postNorm = postNorm;
    this.finalNorm = finalNorm;
    this.invFreq = invFreq;
  }

  /**
   * Logits {@code [B, 1, vocab]} on the manager of {@code inputIds [B, 1]}; appends the step's keys and values to
   * {@code cache} and advances it.
   *
   * @param mask {@code [B][1]}: 1 for a real token, 0 for padding
   */
  NDArray step(NDArray inputIds, long[][] mask, KvCache cache) {
    int b = mask.length;
    long[] newMask = new long[b];
    for (int r = 0; r < b; r++) {
      newMask[r] = mask[r][0];
    }
    int h = config.hiddenSize();
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int d = config.headDim();
    int inter = config.intermediateSize();
    NDManager m = inputIds.getManager();
    int past = cache.length();
    long[] real = cache.realTokens();

    float[] cos = new float[b * d];
    float[] sin = new float[b * d];
    for (int r = 0; r < b; r++) {
      // transformers: position 1 for padding
      Qwen2Model.rotary(newMask[r] != 0 ? real[r] : 1, invFreq, cos, sin, r * d);
    }

    float[] x;
    try (NDArray e = model.embed(inputIds)) {
      x = JavaProduct.floats(e);
    }
    float[] n = new float[b * h];
    DenseInputs dense = new DenseInputs(b);
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      try (NDManager layer = m.newSubManager()) {
        dense.scope(layer);
        rmsNorm(x, inputNorm[l], n, b, h);
        float[] q = project(dense, p + "self_attn.q_proj", n, h, heads * d);
        float[] k = project(dense, p + "self_attn.k_proj", n, h, kvHeads * d);
        float[] v = project(dense, p + "self_attn.v_proj", n, h, kvHeads * d);
        rope(q, b, heads, d, cos, sin);
        rope(k, b, kvHeads, d, cos, sin);
        cache.appendHost(l, k, v);
        float[] attn = attention(q, cache, l, b, past, newMask);
        add(x, project(dense, p + "self_attn.o_proj", attn, heads * d, h));
        rmsNorm(x, postNorm[l], n, b, h);
        float[] gate = project(dense, p + "mlp.gate_proj", n, h, inter);
        float[] up = project(dense, p + "mlp.up_proj", n, h, inter);
        siluTimes(gate, up);
        add(x, project(dense, p + "mlp.down_proj", gate, inter, h));
      }
    }
    cache.advance(mask);
    rmsNorm(x, finalNorm, n, b, h);
    Projection head = model.projection("lm_head");
    int vocab = config.vocabSize();
    if (head instanceof HostProjection hp && hp.takesOnHost(b)) {
      float[] logits = new float[b * vocab];
      hp.multiplyHost(n, b, logits);
      return m.create(logits, new Shape(b, 1, vocab));
    }
    try (NDArray in = m.create(n, new Shape(b, 1, h))) {
      NDArray y = head.apply(in);
      return y.getDataType() == DataType.FLOAT32 ? y : y.toType(DataType.FLOAT32, false);
    }
  }

  /** {@code name}'s product of the step's rows of {@code x}: on the host when it can, else as a tensor. */
  private float[] project(DenseInputs dense, String name, float[] x, int in, int out) {
    Projection p = model.projection(name);
    int rows = dense.rows;
    if (p instanceof HostProjection hp && hp.takesOnHost(rows)) {
      float[] y = new float[rows * out];
      hp.multiplyHost(x, rows, y);
      return y;
    }
    return JavaProduct.floats(p.apply(dense.input(x, in)));
  }

  /**
   * Inputs of the tensor products of one step: per input width, a direct buffer written from Java and a tensor over
   * it (PyTorch reads the buffer in place), made once per layer scope, so a dense projection costs its product and
   * one copy out, with no input tensor created or copied.
   */
  private static final class DenseInputs {
    private final int rows;
    private final Map<Integer, ByteBuffer> buffers = new HashMap<>();
    private final Map<Integer, NDArray> tensors = new HashMap<>();
    private NDManager scope;

    DenseInputs(int rows) {
      this.rows = rows;
    }

    /** Tensors from now on belong to {@code layer} (closed when the layer ends). */
    void scope(NDManager layer) {
      scope = layer;
      tensors.clear();
    }

    /** {@code x} ({@code rows * width} floats) as a float32 tensor {@code [rows, 1, width]}. */
    NDArray input(float[] x, int width) {
      ByteBuffer bb = buffers.computeIfAbsent(width,
          w -> ByteBuffer.allocateDirect(rows * w * Float.BYTES).order(ByteOrder.nativeOrder()));
      bb.asFloatBuffer().put(x, 0, rows * width);
      return tensors.computeIfAbsent(width, w -> scope.create(bb, new Shape(rows, 1, w), DataType.FLOAT32));
    }
  }

  /**
   * {@code gate = SiLU(gate) * up}, in the tensor path's order; a batch's rows (one exponential per element) split over
   * the cores.
   */
  private static void siluTimes(float[] gate, float[] up) {
    IntTask task = (from, to) -> {
      for (int i = from; i < to; i++) {
        float g = gate[i];
        float sigmoid = (float) (1.0 / (1.0 + Math.exp(-g)));
        gate[i] = g * sigmoid * up[i];
      }
    };
    int parts = gate.length < PARALLEL_ELEMENTWISE_WORK ? 1 : Runtime.getRuntime().availableProcessors();
    inParts(task, gate.length, parts);
  }

  /** transformers Qwen2RMSNorm per row: {@code x / sqrt(mean(x^2) + eps) * weight}, float32. */
  private void rmsNorm(float[] x, float[] weight, float[] out, int rows, int h) {
    float eps = (float) config.rmsNormEps();
    for (int r = 0; r < rows; r++) {
      int o = r * h;
      float variance = kernel.dot(x, o, x, o, h) / h;
      float den = (float) Math.sqrt(variance + eps);
      for (int i = 0; i < h; i++) {
        out[o + i] = x[o + i] / den * weight[i];
      }
    }
  }

  /** Rotary embedding of {@code [rows][heads][d]} in place: {@code x * cos + rotate_half(x) * sin}. */
  private static void rope(float[] x, int rows, int heads, int d, float[] cos, float[] sin) {
    int half = d / 2;
    for (int r = 0; r < rows; r++) {
      int t = r * d;
      for (int hh = 0; hh < heads; hh++) {
        int o = (r * heads + hh) * d;
        for (int k = 0; k < half; k++) {
          float x1 = x[o + k];
          float x2 = x[o + k + half];
          x[o + k] = x1 * cos[t + k] + -x2 * sin[t + k];
          x[o + k + half] = x2 * cos[t + k + half] + x1 * sin[t + k + half];
        }
      }
    }
  }

  private static void add(float[] x, float[] y) {
    for (int i = 0; i < x.length; i++) {
      x[i] += y[i];
    }
  }

  /**
   * Softmax attention of each row's one query per head over the host keys and values of columns {@code [0, past +
   * 1)}, masked where the cache (or the new column) is padding; heads concatenated, {@code [rows][heads * d]}. A row
   * whose columns are all masked averages them all, as the tensor path's large finite mask does.
   */
  private float[] attention(float[] q, KvCache cache, int layer, int rows, int past, long[] newMask) {
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int group = config.groupSize();
    int d = config.headDim();
    int total = past + 1;
    int cap = cache.hostCapacity();
    float[] keys = cache.hostKeys(layer);
    float[] values = cache.hostValues(layer);
    long[][] pastMask = cache.mask();
    float scale = (float) (1.0 / Math.sqrt(d));
    float[] out = new float[rows * heads * d];
    int tasks = rows * heads;
    boolean[][] allowed = new boolean[rows][total];
    boolean[] anyAllowed = new boolean[rows];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < total; j++) {
        allowed[r][j] = (j < past ? pastMask[r][j] : newMask[r]) != 0;
        anyAllowed[r] |= allowed[r][j];
      }
    }
    IntTask task = (from, to) -> {
      float[] scores = new float[total];
      for (int t = from; t < to; t++) {
        int r = t / heads;
        int hq = t % heads;
        int base = (r * kvHeads + hq / group) * cap * d;
        int qo = t * d;
        boolean[] ok = allowed[r];
        boolean any = anyAllowed[r];
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < total; j++) {
          if (ok[j]) {
            float s = kernel.dot(q, qo, keys, base + j * d, d) * scale;
            scores[j] = s;
            max = Math.max(max, s);
          }
        }
        float sum = 0;
        for (int j = 0; j < total; j++) {
          float e = !any ? 1f : ok[j] ? (float) Math.exp(scores[j] - max) : 0f;
          scores[j] = e;
          sum += e;
        }
        for (int j = 0; j < total; j++) {
          if (scores[j] != 0f) {
            kernel.axpy(scores[j] / sum, values, base + j * d, out, qo, d);
          }
        }
      }
    };
    int parts = (long) tasks * total * d < PARALLEL_ATTENTION_WORK ? 1
        : Math.min(tasks, Runtime.getRuntime().availableProcessors());
    inParts(task, tasks, parts);
    return out;
  }

  /** {@code task} over {@code [0, n)} in {@code parts} contiguous ranges, in parallel when there are several. */
  private static void inParts(IntTask task, int n, int parts) {
    if (parts <= 1) {
      task.run(0, n);
    } else {
      IntStream.range(0, parts).parallel().forEach(i -> task.run((int) ((long) n * i / parts),
          (int) ((long) n * (i + 1) / parts)));
    }
  }

  @FunctionalInterface
  private interface IntTask {
    void run(int from, int to);
  }
}
