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

  /** Pads {@code batch} (right, with id 0 and mask 0) to its longest encoding and runs it. */
  public Output run(Encoding[] batch) {
    int n = batch.length;
    int len = 0;
    for (Encoding e : batch) {
      len = Math.max(len, e.getIds().length);
    }
    long[] ids = new long[n * len];
    long[] mask = new long[n * len];
    long[] types = new long[n * len];
    for (int i = 0; i < n; i++) {
      System.arraycopy(batch[i].getIds(), 0, ids, i * len, batch[i].getIds().length);
      System.arraycopy(batch[i].getAttentionMask(), 0, mask, i * len, batch[i].getAttentionMask().length);
      System.arraycopy(batch[i].getTypeIds(), 0, types, i * len, batch[i].getTypeIds().length);
    }
    return run(ids, mask, types, n, len);
  }

  private Output run(long[] ids, long[] mask, long[] typeIds, int batch, int seqLen) {
    long[] shape = {batch, seqLen};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put(INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
      inputs.put(ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
      if (hasTokenTypeIds) {
        inputs.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(typeIds), shape));
      }
      try (OrtSession.Result result = session.run(inputs, Set.of(outputName))) {
        OnnxTensor out = (OnnxTensor) result.get(0);
        long[] outShape = out.getInfo().getShape();
        float[] data = new float[Math.toIntExact(out.getInfo().getNumElements())];
        out.getFloatBuffer().get(data);
        return new Output(data, outShape, mask, seqLen);
      }
    } catch (OrtException | ClassCastException e) {
      throw new ModelServiceException(
          modelDescription + ": ONNX Runtime failed on a batch of " + batch + " x " + seqLen
              + " tokens: " + e.getMessage(), e);
    } finally {
      for (OnnxTensor t : inputs.values()) {
        t.close();
      }
    }
  }

  @Override
  public void close() {
    closeQuietly(session, options, tokenizer);
  }

  /**
   * A model output copied out of native memory.
   *
   * @param data the output, row-major
   * @param shape its shape
   * @param mask the attention mask of the padded batch, {@code [batch, seqLen]} row-major
   * @param seqLen the padded length
   */
  public record Output(float[] data, long[] shape, long[] mask, int seqLen) {}

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
