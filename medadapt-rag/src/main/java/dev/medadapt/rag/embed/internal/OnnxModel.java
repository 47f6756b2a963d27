package dev.medadapt.rag.embed.internal;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.ModelServiceException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A BERT-style ONNX encoder and its Hugging Face tokenizer, shared by the embedders and the
 * cross-encoder reranker. Not API.
 *
 * <p>ONNX Runtime rules followed here: the {@link OrtEnvironment} is a process-wide singleton owned
 * by ONNX Runtime and is never closed by us; {@link OrtSession#run} is thread-safe, so one session
 * serves all threads; every {@link OnnxTensor} and {@link OrtSession.Result} is closed right after
 * use; the session and its options are closed with this object.
 */
public final class OnnxModel implements AutoCloseable {
  public static final String INPUT_IDS = "input_ids";
  public static final String ATTENTION_MASK = "attention_mask";
  public static final String TOKEN_TYPE_IDS = "token_type_ids";

  private final String modelDescription;
  private final OrtEnvironment env;
  private final OrtSession.SessionOptions options;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final boolean hasTokenTypeIds;
  private final String outputName;
  private final int outputRank;
  private final long[] outputDims;
  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

  private OnnxModel(
      String modelDescription,
      OrtEnvironment env,
      OrtSession.SessionOptions options,
      OrtSession session,
      HuggingFaceTokenizer tokenizer,
      String preferredOutput) {
    this.modelDescription = modelDescription;
    this.env = env;
    this.options = options;
    this.session = session;
    this.tokenizer = tokenizer;
    Set<String> inputs = session.getInputNames();
    for (String required : new String[] {INPUT_IDS, ATTENTION_MASK}) {
      if (!inputs.contains(required)) {
        throw new ModelFormatException(
            modelDescription + ": ONNX model has no input '" + required + "' (inputs: " + inputs
                + "); expected a BERT-style encoder export");
      }
    }
    for (String in : inputs) {
      if (!in.equals(INPUT_IDS) && !in.equals(ATTENTION_MASK) && !in.equals(TOKEN_TYPE_IDS)) {
        throw new ModelFormatException(
            modelDescription + ": ONNX model needs input '" + in
                + "', which is not one of input_ids, attention_mask, token_type_ids");
      }
    }
    this.hasTokenTypeIds = inputs.contains(TOKEN_TYPE_IDS);
    try {
      Map<String, NodeInfo> outputs = session.getOutputInfo();
      String name =
          preferredOutput != null && outputs.containsKey(preferredOutput)
              ? preferredOutput
              : outputs.keySet().iterator().next();
      NodeInfo info = outputs.get(name);
      if (!(info.getInfo() instanceof TensorInfo ti)) {
        throw new ModelFormatException(
            modelDescription + ": output '" + name + "' is not a tensor: " + info.getInfo());
      }
      this.outputName = name;
      this.outputRank = ti.getShape().length;
      this.outputDims = ti.getShape();
    } catch (OrtException e) {
      throw new ModelFormatException(modelDescription + ": cannot read ONNX outputs: " + e.getMessage(), e);
    }
  }

  /**
   * Opens a session and a tokenizer.
   *
   * @param model where model.onnx is
   * @param tokenizerSource where tokenizer.json is
   * @param tokenizerOptions DJL tokenizer options (maxLength, truncation, padding, ...)
   * @param intraOpThreads 0 lets ONNX Runtime choose
   * @param preferredOutput output to read when present (otherwise the first output)
   */
  public static OnnxModel open(
      Source model,
      Source tokenizerSource,
      Map<String, String> tokenizerOptions,
      int intraOpThreads,
      String preferredOutput) {
    HuggingFaceTokenizer tok = loadTokenizer(tokenizerSource, tokenizerOptions);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    OrtSession session = null;
    try {
      opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      if (intraOpThreads > 0) {
        opts.setIntraOpNumThreads(intraOpThreads);
      }
      session =
          model.path() != null
              ? env.createSession(model.path().toString(), opts)
              : env.createSession(model.readAllBytes(), opts);
      return new OnnxModel(model.description(), env, opts, session, tok, preferredOutput);
    } catch (OrtException e) {
      closeQuietly(session, opts, tok);
      throw new ModelFormatException(
          model.description() + ": ONNX Runtime cannot load the model: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(session, opts, tok);
      throw e;
    }
  }

  private static HuggingFaceTokenizer loadTokenizer(Source source, Map<String, String> options) {
    try {
      if (source.path() != null) {
        return HuggingFaceTokenizer.newInstance(source.path(), options);
      }
      try (InputStream in = source.open()) {
        return HuggingFaceTokenizer.newInstance(in, options);
      }
    } catch (IOException | RuntimeException e) {
      throw new ModelFormatException(
          source.description() + ": cannot load the Hugging Face tokenizer: " + e.getMessage(), e);
    }
  }

  private static void closeQuietly(OrtSession session, OrtSession.SessionOptions opts, HuggingFaceTokenizer tok) {
    try {
      if (session != null) {
        session.close();
      }
    } catch (OrtException ignored) {
      // already failing; the original error is what the caller needs
    }
    opts.close();
    tok.close();
  }

  public HuggingFaceTokenizer tokenizer() {
    return tokenizer;
  }

  public String description() {
    return modelDescription;
  }

  public boolean hasTokenTypeIds() {
    return hasTokenTypeIds;
  }

  public String outputName() {
    return outputName;
  }

  /** Rank of the output read: 3 for token states {@code [batch, seq, hidden]}, 2 for pooled or logits. */
  public int outputRank() {
    return outputRank;
  }

  /**
   * Refuses a model whose output rank is not one of {@code ranks}, naming the model, the output and
   * {@code expected} (what such a model should output).
   */
  public void requireOutputRank(String expected, int... ranks) {
    for (int r : ranks) {
      if (r == outputRank) {
        return;
      }
    }
    throw new ModelFormatException(
        modelDescription + ": output '" + outputName() + "' has rank " + outputRank + "; " + expected);
  }

  /**
   * Pads {@code batch} (right, with id 0 and mask 0) to its longest encoding and runs it. The
   * returned output lives in a buffer of the calling thread that the next {@code run} on the same
   * thread overwrites: read it first.
   */
  public Output run(Encoding[] batch) {
    int n = batch.length;
    int len = 0;
    for (Encoding e : batch) {
      len = Math.max(len, e.getIds().length);
    }
    Scratch sc = scratch.get();
    int count = n * len;
    LongBuffer ids = sc.longs(0, count);
    LongBuffer mask = sc.longs(1, count);
    LongBuffer types = sc.longs(2, count);
    long[] maskCopy = new long[count];
    for (int i = 0; i < n; i++) {
      long[] id = batch[i].getIds();
      long[] m = batch[i].getAttentionMask();
      long[] t = batch[i].getTypeIds();
      ids.position(i * len);
      ids.put(id);
      mask.position(i * len);
      mask.put(m);
      types.position(i * len);
      types.put(t);
      System.arraycopy(m, 0, maskCopy, i * len, m.length);
      for (int j = id.length; j < len; j++) { // the scratch holds an earlier batch: clear the padding
        ids.put(i * len + j, 0);
        mask.put(i * len + j, 0);
        types.put(i * len + j, 0);
      }
    }
    ids.rewind();
    mask.rewind();
    types.rewind();
    return run(sc, ids, mask, types, maskCopy, n, len);
  }

  private Output run(Scratch sc, LongBuffer ids, LongBuffer mask, LongBuffer typeIds, long[] maskCopy, int batch, int seqLen) {
    long[] shape = {batch, seqLen};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    OnnxTensor pinned = null;
    try {
      // direct buffers: ONNX Runtime reads them in place instead of copying heap arrays
      inputs.put(INPUT_IDS, OnnxTensor.createTensor(env, ids, shape));
      inputs.put(ATTENTION_MASK, OnnxTensor.createTensor(env, mask, shape));
      if (hasTokenTypeIds) {
        inputs.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, typeIds, shape));
      }
      long[] outShape = outputShape(batch, seqLen);
      if (outShape != null) {
        // the output is written straight into this thread's buffer (no copy out of native memory)
        FloatBuffer out = sc.floats(Math.toIntExact(outShape[0] * (outShape.length == 3 ? outShape[1] * outShape[2] : outShape[1])));
        pinned = OnnxTensor.createTensor(env, out, outShape);
        try (OrtSession.Result result = session.run(inputs, Set.of(), Map.of(outputName, pinned))) {
          return new Output(out, outShape, maskCopy, seqLen);
        }
      }
      try (OrtSession.Result result = session.run(inputs, Set.of(outputName))) {
        OnnxTensor out = (OnnxTensor) result.get(0);
        return new Output(out.getFloatBuffer(), out.getInfo().getShape(), maskCopy, seqLen);
      }
    } catch (OrtException | ClassCastException e) {
      throw new ModelServiceException(
          modelDescription + ": ONNX Runtime failed on a batch of " + batch + " x " + seqLen
              + " tokens: " + e.getMessage(), e);
    } finally {
      for (OnnxTensor t : inputs.values()) {
        t.close();
      }
      if (pinned != null) {
        pinned.close();
      }
    }
  }

  /** The output shape for a batch when the model declares its non-batch dimensions, else null. */
  private long[] outputShape(int batch, int seqLen) {
    if (outputRank == 3 && outputDims[2] > 0 && (outputDims[1] < 0 || outputDims[1] == seqLen)) {
      return new long[] {batch, seqLen, outputDims[2]};
    }
    if (outputRank == 2 && outputDims[1] > 0) {
      return new long[] {batch, outputDims[1]};
    }
    return null;
  }

  /** Per-thread direct buffers, grown on demand and reused across batches. */
  private static final class Scratch {
    private final ByteBuffer[] longs = new ByteBuffer[3];
    private ByteBuffer floats;

    LongBuffer longs(int which, int count) {
      ByteBuffer b = longs[which];
      if (b == null || b.capacity() < count * 8) {
        b = ByteBuffer.allocateDirect(Math.max(count, 4096) * 8).order(ByteOrder.nativeOrder());
        longs[which] = b;
      }
      return b.slice(0, count * 8).order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    FloatBuffer floats(int count) {
      if (floats == null || floats.capacity() < count * 4) {
        floats = ByteBuffer.allocateDirect(Math.max(count, 1 << 16) * 4).order(ByteOrder.nativeOrder());
      }
      return floats.slice(0, count * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
  }

  @Override
  public void close() {
    closeQuietly(session, options, tokenizer);
  }

  /**
   * A model output copied out of native memory.
   *
   * @param data the output, row-major (absolute indexes; valid until the next run on the same thread)
   * @param shape its shape
   * @param mask the attention mask of the padded batch, {@code [batch, seqLen]} row-major
   * @param seqLen the padded length
   */
  public record Output(FloatBuffer data, long[] shape, long[] mask, int seqLen) {}

  /**
   * A file on disk or a class-path resource.
   *
   * @param path the file, or null for a resource
   * @param resource the class-path resource name, or null for a file
   */
  public record Source(Path path, String resource) {
    public static Source file(Path path) {
      if (!Files.isRegularFile(path)) {
        throw new ModelFormatException(path + ": file not found");
      }
      return new Source(path, null);
    }

    public static Source classpath(String resource) {
      if (OnnxModel.class.getClassLoader().getResource(resource) == null) {
        throw new ModelFormatException(
            "classpath:" + resource + ": resource not found (is its jar on the class path?)");
      }
      return new Source(null, resource);
    }

    public String description() {
      return path != null ? path.toString() : "classpath:" + resource;
    }

    /** The file or resource name without folders (for model names). */
    public String fileName() {
      return path != null ? path.getFileName().toString() : resource.substring(resource.lastIndexOf('/') + 1);
    }

    InputStream open() throws IOException {
      InputStream in = OnnxModel.class.getClassLoader().getResourceAsStream(resource);
      if (in == null) {
        throw new IOException("resource not found");
      }
      return in;
    }

    byte[] readAllBytes() {
      try (InputStream in = open()) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new ModelFormatException(description() + ": cannot read: " + e.getMessage(), e);
      }
    }
  }
}
