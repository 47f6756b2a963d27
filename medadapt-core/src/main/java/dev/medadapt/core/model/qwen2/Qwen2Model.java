package dev.medadapt.core.model.qwen2;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.Qwen2Config;
import dev.medadapt.core.safetensors.DType;
import dev.medadapt.core.safetensors.SafetensorsReader;
import dev.medadapt.core.safetensors.TensorInfo;
import dev.medadapt.core.safetensors.internal.DirectBuffers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Hugging Face {@code Qwen2ForCausalLM} forward pass on DJL's PyTorch engine: token embedding,
 * {@code num_hidden_layers} pre-norm decoder layers (RMSNorm, rotary grouped-query attention with
 * q/k/v biases, RMSNorm, SwiGLU MLP), final RMSNorm and lm_head (tied to the embedding when
 * {@code tie_word_embeddings}). Follows {@code transformers/models/qwen2/modeling_qwen2.py}.
 *
 * <pre>{@code
 * try (Qwen2Model m = Qwen2Model.load(dir, Device.cpu(), Precision.FP32);
 *      NDManager request = m.manager().newSubManager()) {
 *   NDArray ids = request.create(new long[][] {{151646, 3838, 374}});
 *   NDArray logits = m.forward(ids);          // [1, 3, vocab]
 * }
 * }</pre>
 *
 * <p>Every linear map and the embedding go through a named {@link Projection}
 * ({@link #projectionNames()}), which {@link #wrapProjections} can replace (LoRA). All operations
 * are ordinary NDArray operations, so gradients flow through {@link #forward} under a
 * {@code GradientCollector}. Results and intermediates are created on the manager of the input ids,
 * so a per-request sub-manager frees them.
 *
 * <p>Weights are read with {@link SafetensorsReader}; BF16 and F16 are widened in Java (no BF16
 * tensor is ever created, which would abort the JVM).
 *
 * <p>{@link #forward} may be called from several threads with distinct caches once loading is done;
 * {@link #wrapProjections} must not run concurrently with a forward.
 */
public final class Qwen2Model implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Qwen2Model.class);

  private final Qwen2Config config;
  private final NDManager manager;
  private final Precision precision;
  private final Map<String, Projection> projections;
  private final NDArray[] inputNorm;
  private final NDArray[] postNorm;
  private final NDArray finalNorm;
  private final double[] invFreq;
  private final Path source;
  /** Weights held outside PyTorch ({@link Bf16Matrix}), freed on {@link #close}. */
  private final List<Bf16Matrix> hostMatrices = new ArrayList<>();
  /** The decode step on Java arrays (CPU only), or null: see {@link #forward(NDArray, long[][], KvCache, boolean)}. */
  private HostDecoder hostDecoder;

  private Qwen2Model(
      Path source, Qwen2Config config, NDManager manager, Precision precision,
      Map<String, Projection> projections, NDArray[] inputNorm, NDArray[] postNorm, NDArray finalNorm) {
    this.source = source;
    this.config = config;
    this.manager = manager;
    this.precision = precision;
    this.projections = projections;
    this.inputNorm = inputNorm;
    this.postNorm = postNorm;
    this.finalNorm = finalNorm;
    int d = config.headDim();
    invFreq = new double[d / 2];
    for (int i = 0; i < d / 2; i++) {
      // transformers _compute_default_rope_parameters: 1 / base^(arange(0, dim, 2) / dim)
      invFreq[i] = 1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / d);
    }
    hostDecoder = "tensor".equals(System.getProperty(DECODE_PROPERTY)) ? null : newHostDecoder();
  }

  /** A host decoder over this model's norms, or null on a GPU. */
  private HostDecoder newHostDecoder() {
    if (manager.getDevice().isGpu()) {
      return null;
    }
    float[][] in = new float[inputNorm.length][];
    float[][] post = new float[postNorm.length][];
    for (int l = 0; l < in.length; l++) {
      in[l] = inputNorm[l].toFloatArray();
      post[l] = postNorm[l].toFloatArray();
    }
    return new HostDecoder(this, in, post, finalNorm.toFloatArray(), invFreq);
  }

  /**
   * The system property that, set to {@code tensor}, makes models loaded afterwards decode with tensor operations
   * instead of on Java arrays (for comparing the two; both give the same logits to float rounding).
   */
  public static final String DECODE_PROPERTY = "medadapt.decode";

  /** Test hook: whether single-token cached steps run on the host (CPU models only). */
  void hostDecoding(boolean on) {
    hostDecoder = on ? newHostDecoder() : null;
  }

  /** Loads {@code dir} (config.json + safetensors) onto {@code device} at {@code precision}. */
  public static Qwen2Model load(Path dir, Device device, Precision precision) {
    return load(dir, device, precision, null);
  }

  /**
   * Loads {@code dir}; {@code linearLoader}, when not null, builds the projection of every linear
   * layer, and of lm_head when it {@linkplain LinearLoader#includesLmHead includes it} (used for quantized
   * storage); null loads dense weights.
   */
  public static Qwen2Model load(Path dir, Device device, Precision precision, LinearLoader linearLoader) {
    return load(dir, device, precision, linearLoader, false);
  }

  /**
   * As {@link #load(Path, Device, Precision, LinearLoader)}; with {@code bf16Vocabulary}, a float32 model on the
   * CPU keeps the embedding and lm_head of a BF16 checkpoint as their bfloat16 bits ({@link Bf16Matrix}), widened
   * exactly where used: half their memory, the same results, but every full lm_head product widens the whole matrix,
   * so this is for a frozen training base (whose loss reads lm_head in chunks), not for decoding. Ignored for other
   * precisions, devices and dtypes.
   */
  public static Qwen2Model load(Path dir, Device device, Precision precision, LinearLoader linearLoader,
      boolean bf16Vocabulary) {
    Ensure.notNull(dir, "modelPath");
    dev.medadapt.core.model.Devices.require(Ensure.notNull(device, "device"));
    Ensure.notNull(precision, "precision");
    Qwen2Config cfg = Qwen2Config.load(dir);
    long t0 = System.nanoTime();
    NDManager manager = NDManager.newBaseManager(device, "PyTorch");
    WeightSource src = null;
    try (SafetensorsReader reader = SafetensorsReader.open(dir)) {
      src = new WeightSource(reader, manager, precision, dir);
      Map<String, Projection> proj = new LinkedHashMap<>();
      int h = cfg.hiddenSize();
      int kvDim = cfg.numKeyValueHeads() * cfg.headDim();
      int inter = cfg.intermediateSize();
      int v = cfg.vocabSize();
      if (precision == Precision.BF16 && device.isGpu()) {
        throw new ConfigurationException("precision BF16 keeps the weights as bfloat16 bits in host memory and runs on"
            + " the CPU only; device was " + device + " (use FP16 or FP32 there)");
      }
      boolean floatArithmetic = precision == Precision.FP32 || precision == Precision.BF16;
      boolean hostBf16 = (bf16Vocabulary || precision == Precision.BF16) && floatArithmetic && !device.isGpu();
      // Quantized layers (NF4) with a dense lm_head: on the CPU a BF16 checkpoint's lm_head stays as its bits, which a
      // decode step multiplies in Java at half the bytes of a float32 copy (0.93 GB a token on the 1.5B shape).
      boolean bf16Head = hostBf16 || (linearLoader != null && !linearLoader.includesLmHead()
          && floatArithmetic && !device.isGpu());
      Bf16Matrix embedBits = hostBf16 || (bf16Head && cfg.tieWordEmbeddings())
          ? src.bf16Matrix("model.embed_tokens.weight", v, h) : null;
      NDArray embed = embedBits == null ? src.dense("model.embed_tokens.weight", v, h) : null;
      proj.put("model.embed_tokens", embedBits != null ? new Bf16EmbeddingProjection(embedBits)
          : new EmbeddingProjection(embed));
      NDArray[] in = new NDArray[cfg.numHiddenLayers()];
      NDArray[] post = new NDArray[cfg.numHiddenLayers()];
      LinearLoader lin = linearLoader != null ? linearLoader
          : precision == Precision.BF16 ? WeightSource::linearBf16 : WeightSource::linearDense;
      for (int l = 0; l < cfg.numHiddenLayers(); l++) {
        String p = "model.layers." + l + ".";
        in[l] = src.floatParam(p + "input_layernorm.weight", h);
        post[l] = src.floatParam(p + "post_attention_layernorm.weight", h);
        proj.put(p + "self_attn.q_proj", lin.load(src, p + "self_attn.q_proj", h, h, true));
        proj.put(p + "self_attn.k_proj", lin.load(src, p + "self_attn.k_proj", kvDim, h, true));
        proj.put(p + "self_attn.v_proj", lin.load(src, p + "self_attn.v_proj", kvDim, h, true));
        proj.put(p + "self_attn.o_proj", lin.load(src, p + "self_attn.o_proj", h, h, false));
        proj.put(p + "mlp.gate_proj", lin.load(src, p + "mlp.gate_proj", inter, h, false));
        proj.put(p + "mlp.up_proj", lin.load(src, p + "mlp.up_proj", inter, h, false));
        proj.put(p + "mlp.down_proj", lin.load(src, p + "mlp.down_proj", h, inter, false));
      }
      NDArray fin = src.floatParam("model.norm.weight", h);
      if (linearLoader != null && linearLoader.includesLmHead()) {
        proj.put("lm_head", linearLoader.load(src, cfg.tieWordEmbeddings() ? "model.embed_tokens" : "lm_head", v, h,
            false));
      } else if (cfg.tieWordEmbeddings()) {
        proj.put("lm_head", embedBits != null ? new Bf16LinearProjection(embedBits) : new LinearProjection(embed, null));
      } else {
        Bf16Matrix headBits = bf16Head ? src.bf16Matrix("lm_head.weight", v, h) : null;
        proj.put("lm_head", headBits != null ? new Bf16LinearProjection(headBits)
            : new LinearProjection(src.dense("lm_head.weight", v, h), null));
      }
      LOG.debug("loaded {} ({} layers, {}) in {} ms", dir, cfg.numHiddenLayers(), precision,
          (System.nanoTime() - t0) / 1_000_000);
      Qwen2Model model = new Qwen2Model(dir, cfg, manager, precision, proj, in, post, fin);
      model.hostMatrices.addAll(src.hostMatrices);
      return model;
    } catch (RuntimeException e) {
      manager.close();
      if (src != null) {
        src.closeHostMatrices();
      }
      throw e;
    } finally {
      if (src != null) {
        src.release();
      }
    }
  }

  /** Builds the projection of one linear layer from a checkpoint (dense or quantized storage). */
  @FunctionalInterface
  public interface LinearLoader {
    /**
     * @param weights the checkpoint's tensors, with shape checks
     * @param module HF module name, e.g. {@code model.layers.3.mlp.up_proj}; tensors are {@code module.weight}
     *     and (when {@code hasBias}) {@code module.bias}
     */
    Projection load(WeightSource weights, String module, int out, int in, boolean hasBias);

    /**
     * Whether lm_head is built by this loader too (as module {@code lm_head}, or {@code model.embed_tokens} when
     * tied, whose float copy the embedding lookup keeps); default false: lm_head stays dense at the model's
     * precision.
     */
    default boolean includesLmHead() {
      return false;
    }
  }

  /** Tensors of the checkpoint being loaded, checked against the shapes the config implies. */
  public static final class WeightSource {
    private final SafetensorsReader reader;
    private final NDManager manager;
    private final Precision precision;
    private final Path dir;
    private ByteBuffer staging;
    private final Map<Integer, float[]> scratch = new java.util.HashMap<>();
    /** The float32 buffer that all bfloat16 matrices of the model widen rows through, one at a time. */
    private final Bf16Matrix.Staging staging16 = new Bf16Matrix.Staging();
    /** The {@link Bf16Matrix}es read so far: the model's on success, freed on failure. */
    private final List<Bf16Matrix> hostMatrices = new ArrayList<>();

    WeightSource(SafetensorsReader reader, NDManager manager, Precision precision, Path dir) {
      this.reader = reader;
      this.manager = manager;
      this.precision = precision;
      this.dir = dir;
    }

    /** The model's manager (loaded weights belong to it). */
    public NDManager manager() {
      return manager;
    }

    /** Float32 values of tensor {@code name}, after checking its shape is {@code shape}. */
    public float[] floats(String name, long... shape) {
      check(name, shape);
      return reader.readFloats(name);
    }

    /**
     * As {@link #floats}, into an array this source reuses for every tensor of the same element count: the values
     * are valid until the next call for a tensor of that size, so a loader that only reads them (e.g. to quantize)
     * leaves no checkpoint-sized garbage on the Java heap. The arrays are dropped when loading ends.
     */
    public float[] scratchFloats(String name, long... shape) {
      TensorInfo t = check(name, shape);
      if (t.numel() > Integer.MAX_VALUE - 8) {
        return reader.readFloats(name); // names the limit
      }
      float[] out = scratch.computeIfAbsent((int) t.numel(), float[]::new);
      reader.readFloats(name, java.nio.FloatBuffer.wrap(out));
      return out;
    }

    /**
     * The rows of the 2-D floating tensor {@code name}, checked to be {@code [rows, cols]}, widened to float32 and
     * handed to {@code sink} one at a time ({@link SafetensorsReader#readFloatRows}): no array of the whole tensor,
     * for a matrix too large to hold twice (a quantized lm_head of a large vocabulary).
     */
    public void forEachRow(String name, int rows, int cols, SafetensorsReader.RowSink sink) {
      check(name, rows, cols);
      reader.readFloatRows(name, cols, sink);
    }

    private TensorInfo check(String name, long... shape) {
      TensorInfo t = reader.info(name).orElseThrow(() -> new ModelFormatException(
          "tensor " + name + " " + Arrays.toString(shape) + " is missing from the checkpoint in " + dir
              + " (found " + reader.names().size() + " tensors)"));
      if (!Arrays.equals(t.shape(), shape)) {
        throw new ModelFormatException("tensor " + name + " in " + t.file() + " has shape " + t.shapeString()
            + " but config.json implies " + Arrays.toString(shape));
      }
      if (!t.dtype().isFloating()) {
        throw new ModelFormatException("tensor " + name + " in " + t.file() + " has dtype " + t.dtype()
            + "; expected F32, F16 or BF16");
      }
      return t;
    }

    /**
     * Tensor {@code name} as a {@link Bf16Matrix} when the checkpoint stores it as BF16, else null (the caller loads
     * it dense).
     */
    Bf16Matrix bf16Matrix(String name, long rows, int cols) {
      TensorInfo t = check(name, rows, cols);
      if (t.dtype() != DType.BF16) {
        return null;
      }
      Bf16Matrix m;
      try {
        m = Bf16Matrix.read(reader, name, rows, cols, staging16);
      } catch (OutOfMemoryError e) {
        // Direct buffers count against -XX:MaxDirectMemorySize (by default the maximum heap size).
        LOG.warn("{}: no room for its {} MB of bfloat16 bits in direct memory ({}); loading it as float32", name,
            rows * cols * 2 / 1_000_000, e.getMessage());
        return null;
      }
      hostMatrices.add(m);
      return m;
    }

    /** Frees the host matrices read so far (a failed load). */
    void closeHostMatrices() {
      hostMatrices.forEach(Bf16Matrix::close);
      hostMatrices.clear();
    }

    /** A float32 tensor (norm weights, biases): always float32 whatever the precision. */
    public NDArray floatParam(String name, long... shape) {
      return create(name, shape, DataType.FLOAT32);
    }

    /** A weight matrix at the model's precision. */
    public NDArray dense(String name, long... shape) {
      return create(name, shape, precision == Precision.FP16 ? DataType.FLOAT16 : DataType.FLOAT32);
    }

    private NDArray create(String name, long[] shape, DataType type) {
      TensorInfo t = check(name, shape);
      long bytes = t.numel() * (type == DataType.FLOAT16 ? 2 : 4);
      ByteBuffer bb = staging(bytes);
      if (type == DataType.FLOAT16) {
        reader.readHalfBits(name, bb.asShortBuffer());
      } else {
        reader.readFloats(name, bb.asFloatBuffer());
      }
      // PyTorch's from_blob points at the Java buffer; a torch-owned copy lets the staging buffer be
      // reused for the next tensor, so loading holds one tensor-sized buffer, not a second model.
      NDArray blob = manager.create(bb, new Shape(shape), type);
      NDArray owned = blob.duplicate();
      blob.close();
      return owned;
    }

    /** A native-order direct buffer of exactly {@code bytes} bytes, reusing one allocation. */
    private ByteBuffer staging(long bytes) {
      if (staging == null || staging.capacity() < bytes) {
        DirectBuffers.free(staging);
        // Sized once for the largest weight at the model's precision (float16 halves it; norms and biases, the
        // only float32 tensors then, are vectors).
        long perElement = precision == Precision.FP16 ? 2 : 4;
        long max = reader.tensors().values().stream().mapToLong(x -> x.numel() * perElement).max().orElse(bytes);
        staging = ByteBuffer.allocateDirect(Math.toIntExact(Math.max(bytes, max))).order(ByteOrder.nativeOrder());
      }
      return staging.clear().limit(Math.toIntExact(bytes)).slice().order(ByteOrder.nativeOrder());
    }

    void release() {
      DirectBuffers.free(staging);
      staging = null;
      scratch.clear();
    }

    /** The default {@link LinearLoader}: dense weight at the model's precision, float32 bias. */
    public static Projection linearDense(WeightSource w, String module, int out, int in, boolean hasBias) {
      NDArray weight = w.dense(module + ".weight", out, in);
      NDArray bias = hasBias ? w.floatParam(module + ".bias", out) : null;
      return new LinearProjection(weight, bias);
    }

    /**
     * A linear layer on its checkpoint's bfloat16 bits ({@link Bf16LinearProjection}, float32 bias), or dense when the
     * checkpoint stores the weight in another dtype or direct memory has no room for it.
     */
    public static Projection linearBf16(WeightSource w, String module, int out, int in, boolean hasBias) {
      Bf16Matrix bits = w.bf16Matrix(module + ".weight", out, in);
      if (bits == null) {
        return linearDense(w, module, out, in, hasBias);
      }
      NDArray bias = hasBias ? w.floatParam(module + ".bias", out) : null;
      return new Bf16LinearProjection(bits, bias);
    }
  }

  /** The architecture. */
  public Qwen2Config config() {
    return config;
  }

  /** Weight precision. */
  public Precision precision() {
    return precision;
  }

  /** The folder the weights came from. */
  public Path source() {
    return source;
  }

  /** The manager that owns the weights; make per-request sub-managers from it. */
  public NDManager manager() {
    return manager;
  }

  /** HF module names of all projections, in forward order. */
  public Set<String> projectionNames() {
    return Collections.unmodifiableSet(projections.keySet());
  }

  /** The projection currently used for {@code moduleName}. */
  public Projection projection(String moduleName) {
    Projection p = projections.get(moduleName);
    if (p == null) {
      throw new IllegalArgumentException("no projection named " + moduleName + "; see projectionNames()");
    }
    return p;
  }

  /** Replaces every projection by {@code wrapper.wrap(name, current)}. */
  public void wrapProjections(ProjectionWrapper wrapper) {
    for (Map.Entry<String, Projection> e : projections.entrySet()) {
      Projection p = wrapper.wrap(e.getKey(), e.getValue());
      e.setValue(Ensure.notNull(p, "projection for " + e.getKey()));
    }
  }

  /** A new empty cache for {@code batch} rows, owned by a sub-manager of {@code parent}. */
  public KvCache newCache(NDManager parent, int batch) {
    return new KvCache(parent, config.numHiddenLayers(), Ensure.positive(batch, "batch"), config.numKeyValueHeads(),
        config.headDim());
  }

  /** Logits {@code [B, T, vocab]} of int64 {@code inputIds [B, T]} without padding or cache. */
  public NDArray forward(NDArray inputIds) {
    return forward(inputIds, null, null);
  }

  /**
   * Logits {@code [B, T, vocab]} (float32) for int64 {@code inputIds [B, T]}.
   *
   * @param attentionMask {@code [B][T]} for the new tokens: 1 = real token, 0 = padding (left padding
   *     for generation); null means all real. Positions are counted over real tokens only, as
   *     transformers does for left-padded batches.
   * @param cache keys/values of earlier positions (updated in place), or null for a standalone pass
   */
  public NDArray forward(NDArray inputIds, long[][] attentionMask, KvCache cache) {
    return forward(inputIds, attentionMask, cache, false);
  }

  /**
   * As {@link #forward(NDArray, long[][], KvCache)}; with {@code lastPositionOnly} the lm_head runs on
   * the last position only and the result is {@code [B, 1, vocab]} (what decoding needs: for a
   * 512-token prompt and a 151,936-token vocabulary this skips a 311 MB logits tensor and about 15%
   * of the prefill arithmetic).
   *
   * <p>On the CPU, a step of one new token per row with a cache and without autograd (a decode step) runs on Java
   * arrays: norms, rotary embedding, attention over a host copy of the cache, SwiGLU and residuals in Java, the
   * quantized layers' products straight from their codes and dense layers as one tensor product each. That skips
   * some 70 small tensor operations per layer (about 4 ms per layer on the 1.5B shape); the logits are the tensor
   * path's to float rounding. {@link #DECODE_PROPERTY} turns it off.
   */
  public NDArray forward(NDArray inputIds, long[][] attentionMask, KvCache cache, boolean lastPositionOnly) {
    Shape s = inputIds.getShape();
    if (s.dimension() != 2) {
      throw new IllegalArgumentException("inputIds must be [batch, tokens], was " + s);
    }
    if (cache != null && cache.batchSize() != s.get(0)) {
      throw new IllegalArgumentException("cache holds " + cache.batchSize() + " rows, inputIds has " + s.get(0));
    }
    if (hostDecoder != null && cache != null && s.get(1) == 1 && !JniUtils.isGradMode()
        && !inputIds.getDevice().isGpu() && cache.hostCapable(cache.length() + 1)) {
      return hostDecoder.step(inputIds, attentionMask(attentionMask, (int) s.get(0), 1), cache);
    }
    NDManager m = inputIds.getManager();
    Positions pos = positions(m, (int) s.get(0), (int) s.get(1), attentionMask, cache);
    NDArray x = embed(inputIds);
    // Without autograd, each layer's intermediates live in a sub-manager closed when the layer ends:
    // otherwise a 512-token prefill of a 28-layer model holds ~200 MB per layer until it returns.
    // Under a GradientCollector they stay on the caller's manager (backward needs the graph).
    boolean freePerLayer = !JniUtils.isGradMode();
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      NDManager lm = freePerLayer ? m.newSubManager() : m;
      if (freePerLayer) {
        x.attach(lm);
      }
      Qkv qkv = attentionInputs(l, x, pos);
      if (cache != null) {
        NDArray[] kv = cache.append(l, qkv.k(), qkv.v(), lm);
        qkv = new Qkv(qkv.q(), kv[0], kv[1]);
      }
      x = afterAttention(l, x, attention(qkv, pos));
      if (freePerLayer) {
        x.attach(m);
        lm.close();
      }
    }
    if (cache != null) {
      cache.advance(pos.newMask);
    }
    if (lastPositionOnly && pos.tokens > 1) {
      x = x.get(":, -1:, :");
    }
    return projections.get("lm_head").apply(finalNorm(x));
  }

  /**
   * Rotary tables, the additive attention mask and the attention scale of one pass over {@code [batch, tokens]}
   * new tokens, created on the pass's manager. Obtain with {@link #positions(NDManager, int, int, long[][])}.
   */
  public static final class Positions {
    private final int batch;
    private final int tokens;
    private final int past;
    private final long[][] newMask;
    private final NDArray cos;
    private final NDArray sin;
    private final NDArray mask;
    private final NDArray scale;

    private Positions(int batch, int tokens, int past, long[][] newMask, NDArray cos, NDArray sin, NDArray mask,
        NDArray scale) {
      this.batch = batch;
      this.tokens = tokens;
      this.past = past;
      this.newMask = newMask;
      this.cos = cos;
      this.sin = sin;
      this.mask = mask;
      this.scale = scale;
    }

    /** Rows of the pass. */
    public int batch() {
      return batch;
    }

    /** New tokens per row. */
    public int tokens() {
      return tokens;
    }

    /** The additive mask {@code [B, 1, 1, T, past + T]} (0 or -1e30), or null when nothing is masked. */
    public NDArray mask() {
      return mask;
    }

    /** Positions already in the cache (0 for a standalone pass). */
    public int past() {
      return past;
    }

    /** {@code 1/sqrt(head_dim)} as a scalar tensor of the pass's manager. */
    public NDArray scale() {
      return scale;
    }
  }

  /**
   * The positions of a standalone pass (no cache) over {@code [batch, tokens]} ids, for running the model layer
   * by layer ({@link #embed}, {@link #layer}, {@link #finalNorm}) as activation checkpointing does.
   *
   * @param attentionMask 1 = real token, 0 = padding; null means all real
   */
  public Positions positions(NDManager m, int batch, int tokens, long[][] attentionMask) {
    return positions(m, batch, tokens, attentionMask, null);
  }

  private Positions positions(NDManager m, int b, int t, long[][] attentionMask, KvCache cache) {
    long[][] newMask = attentionMask(attentionMask, b, t);
    int past = cache == null ? 0 : cache.length();
    int total = past + t;
    long[][] pastMask = cache == null ? new long[b][0] : cache.mask();
    long[] pastReal = cache == null ? new long[b] : cache.realTokens();
    int d = config.headDim();

    // Rotary tables [B, 1, T, d] in double precision, then float32.
    float[] cos = new float[b * t * d];
    float[] sin = new float[b * t * d];
    for (int r = 0; r < b; r++) {
      long pos = pastReal[r];
      for (int i = 0; i < t; i++) {
        // transformers: position_ids = cumsum(mask) - 1, and 1 where the mask is 0.
        rotary(newMask[r][i] != 0 ? pos++ : 1, invFreq, cos, sin, (r * t + i) * d);
      }
    }
    NDArray cosA = m.create(cos, new Shape(b, 1, t, d));
    NDArray sinA = m.create(sin, new Shape(b, 1, t, d));

    // Additive mask [B, 1, 1, T, total]: causal over cache columns and padding columns.
    boolean needMask = t > 1 || hasPadding(pastMask) || hasPadding(newMask);
    NDArray maskA = null;
    if (needMask) {
      float[] mk = new float[b * t * total];
      for (int r = 0; r < b; r++) {
        for (int i = 0; i < t; i++) {
          int base = (r * t + i) * total;
          for (int j = 0; j < total; j++) {
            long real = j < past ? pastMask[r][j] : newMask[r][j - past];
            boolean ok = j <= past + i && real != 0;
            // Large finite instead of -inf so a fully masked (padding) row stays finite, as transformers does.
            mk[base + j] = ok ? 0f : -1e30f;
          }
        }
      }
      maskA = m.create(mk, new Shape(b, 1, 1, t, total));
    }
    // A scalar tensor owned by the pass's manager, not mul(float): DJL wraps a Number in a temporary tensor over a
    // Java direct buffer and closes it at once, but autograd saves it for the backward pass, which would then read
    // freed memory once a garbage collection releases the buffer (non-finite LoRA gradients).
    NDArray scale = m.create((float) (1.0 / Math.sqrt(d)));
    return new Positions(b, t, past, newMask, cosA, sinA, maskA, scale);
  }

  /**
   * {@code attentionMask} checked to be {@code [b][t]}, or all ones when null.
   *
   * @throws IllegalArgumentException when its shape is not {@code [b][t]}
   */
  static long[][] attentionMask(long[][] attentionMask, int b, int t) {
    if (attentionMask == null) {
      long[][] ones = new long[b][t];
      for (long[] row : ones) {
        Arrays.fill(row, 1);
      }
      return ones;
    }
    if (attentionMask.length != b || Arrays.stream(attentionMask).anyMatch(r -> r.length != t)) {
      throw new IllegalArgumentException("attentionMask must be [" + b + "][" + t + "]");
    }
    return attentionMask;
  }

  /**
   * The rotary cos and sin of position {@code p}, {@code 2 * invFreq.length} floats each from {@code base}: angle
   * {@code p * invFreq[k]} in double precision, then float32, repeated for both halves (transformers'
   * {@code cat((freqs, freqs))}).
   */
  static void rotary(long p, double[] invFreq, float[] cos, float[] sin, int base) {
    int half = invFreq.length;
    for (int k = 0; k < half; k++) {
      double a = p * invFreq[k];
      float c = (float) Math.cos(a);
      float sn = (float) Math.sin(a);
      cos[base + k] = c;
      cos[base + k + half] = c;
      sin[base + k] = sn;
      sin[base + k + half] = sn;
    }
  }

  /** Token embeddings {@code [B, T, hidden]} (float32) of int64 ids {@code [B, T]}. */
  public NDArray embed(NDArray inputIds) {
    return projections.get("model.embed_tokens").apply(inputIds);
  }

  /** Decoder layer {@code layer} of a standalone pass: {@code [B, T, hidden]} to {@code [B, T, hidden]}. */
  public NDArray layer(int layer, NDArray x, Positions pos) {
    return afterAttention(layer, x, attention(attentionInputs(layer, x, pos), pos));
  }

  /**
   * Queries {@code [B, heads, T, d]}, keys and values {@code [B, kv_heads, T, d]} after rotary embedding, the
   * inputs of the attention core.
   */
  public record Qkv(NDArray q, NDArray k, NDArray v) {}

  /** The first part of decoder layer {@code layer}: input RMSNorm, q/k/v projections, rotary embedding. */
  public Qkv attentionInputs(int layer, NDArray x, Positions pos) {
    String p = "model.layers." + layer + ".";
    int b = pos.batch;
    int t = pos.tokens;
    int d = config.headDim();
    NDArray hNorm = rmsNorm(x, inputNorm[layer]);
    NDArray q = projections.get(p + "self_attn.q_proj").apply(hNorm)
        .reshape(b, t, config.numAttentionHeads(), d).transpose(0, 2, 1, 3);
    NDArray k = projections.get(p + "self_attn.k_proj").apply(hNorm)
        .reshape(b, t, config.numKeyValueHeads(), d).transpose(0, 2, 1, 3);
    NDArray v = projections.get(p + "self_attn.v_proj").apply(hNorm)
        .reshape(b, t, config.numKeyValueHeads(), d).transpose(0, 2, 1, 3);
    return new Qkv(rope(q, pos.cos, pos.sin, d / 2), rope(k, pos.cos, pos.sin, d / 2), v);
  }

  /**
   * Rows of queries per block of the attention core are chosen so that one block's scores hold at most this many
   * floats (64 MB): at 4,096 tokens and 12 heads a whole {@code [heads, T, T]} score tensor is 805 MB.
   */
  public static final long ATTENTION_BLOCK_FLOATS = 16L << 20;

  /**
   * Query rows per block of the attention core for {@code heads} heads over {@code keys} key positions, at least 1.
   */
  public static int attentionBlockRows(int heads, int keys, long blockFloats) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, blockFloats / ((long) heads * keys)));
  }

  /**
   * The attention core {@code softmax(q kᵀ/√d + mask) v}, heads concatenated: {@code [B, T, heads·d]} (float32).
   * Computed in blocks of query rows ({@link #ATTENTION_BLOCK_FLOATS}); a block of rows {@code [r0, r1)} reads only
   * the keys {@code [0, past + r1)} (the later ones are causally masked), so the full {@code [heads, T, T]}
   * probabilities never exist at once and about half of the causal products are skipped.
   */
  public NDArray attention(Qkv qkv, Positions pos) {
    return attention(qkv, pos, ATTENTION_BLOCK_FLOATS);
  }

  /** {@link #attention(Qkv, Positions)} with an explicit block size (tests). */
  public NDArray attention(Qkv qkv, Positions pos, long blockFloats) {
    int b = pos.batch;
    int t = pos.tokens;
    int d = config.headDim();
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    // Grouped-query attention without copying K/V per query head: q [B, KV, g, T, d] against
    // k, v [B, KV, 1, total, d] (transformers' repeat_kv maps kv head i to query heads i*g .. i*g+g-1).
    NDArray q5 = qkv.q().reshape(b, kvHeads, config.groupSize(), t, d);
    NDArray k5 = qkv.k().expandDims(2);
    NDArray v5 = qkv.v().expandDims(2);
    int total = (int) k5.getShape().get(3);
    int rows = attentionBlockRows(heads, total, blockFloats);
    NDManager m = q5.getManager();
    java.util.List<NDArray> blocks = new java.util.ArrayList<>();
    for (int r0 = 0; r0 < t; r0 += rows) {
      int r1 = Math.min(t, r0 + rows);
      int keys = pos.past + r1;
      // Each block's scores and probabilities live in a sub-manager closed when the block is done (DJL would
      // otherwise hold every block's until the caller's manager closes; under autograd, torch keeps what it saved).
      try (NDManager bm = m.newSubManager()) {
        NDArray out = attentionBlock(
            slice(q5, bm, ":, :, :, " + r0 + ":" + r1 + ", :"), slice(k5, bm, ":, :, :, :" + keys + ", :"),
            slice(v5, bm, ":, :, :, :" + keys + ", :"),
            pos.mask == null ? null : slice(pos.mask, bm, ":, :, :, " + r0 + ":" + r1 + ", :" + keys), pos.scale);
        out.attach(m);
        blocks.add(out);
      }
    }
    NDArray out = blocks.size() == 1 ? blocks.get(0)
        : ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(blocks), 3);
    return out.reshape(b, heads, t, d).transpose(0, 2, 1, 3).reshape(b, t, heads * d);
  }

  /** {@code x[index]} as an array of {@code owner}. */
  private static NDArray slice(NDArray x, NDManager owner, String index) {
    NDArray s = x.get(index);
    s.attach(owner);
    return s;
  }

  /** Softmax attention of one block: {@code q [B, KV, g, R, d]}, {@code k, v [B, KV, 1, K, d]}, mask {@code [.., R, K]}. */
  private static NDArray attentionBlock(NDArray q5, NDArray k5, NDArray v5, NDArray mask, NDArray scale) {
    NDArray scores = q5.matMul(k5.transpose(0, 1, 2, 4, 3)).mul(scale);
    if (mask != null) {
      scores = scores.add(mask);
    }
    return scores.softmax(-1).matMul(v5);
  }

  /**
   * The rest of decoder layer {@code layer} after the attention core: o_proj and residual, post-attention RMSNorm,
   * SwiGLU MLP and residual. {@code x} is the layer's input, {@code attn} the attention core's output.
   */
  public NDArray afterAttention(int layer, NDArray x, NDArray attn) {
    return mlpResidual(layer, attentionResidual(layer, x, attn));
  }

  /**
   * The attention half's output of decoder layer {@code layer}: {@code x + o_proj(attn)}, where {@code x} is the
   * layer's input and {@code attn} the attention core's output.
   */
  public NDArray attentionResidual(int layer, NDArray x, NDArray attn) {
    return x.add(projections.get("model.layers." + layer + ".self_attn.o_proj").apply(attn));
  }

  /**
   * The MLP half of decoder layer {@code layer}: {@code h + down(SiLU(gate(n)) · up(n))} with {@code n} the
   * post-attention RMSNorm of {@code h}. Position-wise, so any slice of positions {@code [B, t, hidden]} may be
   * computed on its own.
   */
  public NDArray mlpResidual(int layer, NDArray h) {
    String p = "model.layers." + layer + ".mlp.";
    NDArray h2 = rmsNorm(h, postNorm[layer]);
    NDArray gate = projections.get(p + "gate_proj").apply(h2);
    NDArray up = projections.get(p + "up_proj").apply(h2);
    NDArray act = gate.mul(gate.getNDArrayInternal().sigmoid()).mul(up); // SiLU(gate) * up
    return h.add(projections.get(p + "down_proj").apply(act));
  }

  /** The final RMSNorm, whose output lm_head maps to logits. */
  public NDArray finalNorm(NDArray x) {
    return rmsNorm(x, finalNorm);
  }

  private static boolean hasPadding(long[][] mask) {
    for (long[] row : mask) {
      for (long v : row) {
        if (v == 0) {
          return true;
        }
      }
    }
    return false;
  }

  /** transformers Qwen2RMSNorm: x * rsqrt(mean(x^2) + eps) * weight, in float32. */
  private NDArray rmsNorm(NDArray x, NDArray weight) {
    NDArray variance = x.square().mean(new int[] {-1}, true);
    return x.div(variance.add((float) config.rmsNormEps()).sqrt()).mul(weight);
  }

  /** transformers apply_rotary_pos_emb: x * cos + rotate_half(x) * sin, rotate_half(x) = [-x2, x1]. */
  private static NDArray rope(NDArray x, NDArray cos, NDArray sin, int half) {
    NDArray x1 = x.get("..., :" + half);
    NDArray x2 = x.get("..., " + half + ":");
    NDArray rotated = x2.neg().concat(x1, -1);
    return x.mul(cos).add(rotated.mul(sin));
  }

  /** Frees the weights. */
  @Override
  public void close() {
    manager.close();
    hostMatrices.forEach(Bf16Matrix::close);
  }
}
