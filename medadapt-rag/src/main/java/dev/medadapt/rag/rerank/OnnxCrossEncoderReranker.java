package dev.medadapt.rag.rerank;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.util.PairList;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.rag.embed.internal.OnnxModel;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Reranker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A cross-encoder reranker (for example cross-encoder/ms-marco-MiniLM-L-6-v2 exported to ONNX) on
 * ONNX Runtime. Each (query, snippet) pair is encoded as {@code [CLS] query [SEP] snippet [SEP]} with
 * token_type_ids 0/1 (when the model takes them), truncated longest-first to {@code maxLength}, and
 * scored by the model's single logit, optionally through a sigmoid.
 *
 * <pre>{@code
 * try (Reranker r = OnnxCrossEncoderReranker.builder()
 *         .modelPath(dir.resolve("onnx/model.onnx")).tokenizerPath(dir.resolve("tokenizer.json")).build()) {
 *   List<Hit> best = r.rerank(question, retriever.retrieve(question, 50), 5);
 * }
 * }</pre>
 *
 * <p>The snippet text scored is {@code title + ". " + content} when the hit has a title (MedRAG's
 * {@code contents} rule), else the content. Thread-safe.
 */
public final class OnnxCrossEncoderReranker implements Reranker {

  /** What is reported as the score. */
  public enum Activation {
    /** The raw logit. */
    RAW,
    /** {@code 1 / (1 + exp(-logit))}, as sentence-transformers' CrossEncoder does for one label. */
    SIGMOID
  }

  private final OnnxModel model;
  private final int batchSize;
  private final Activation activation;
  private final int maxLength;

  private OnnxCrossEncoderReranker(Builder b, OnnxModel model) {
    this.model = model;
    this.batchSize = b.batchSize;
    this.activation = b.activation;
    this.maxLength = b.maxLength;
    model.requireOutputRank("a cross-encoder outputs logits [batch, 1]", 2, 1);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Max tokens per pair, special tokens included. */
  public int maxLength() {
    return maxLength;
  }

  /** Scores of (query, passage) pairs, in input order. */
  public double[] score(String query, List<String> passages) {
    Ensure.notNull(query, "query");
    Ensure.notNull(passages, "passages");
    double[] out = new double[passages.size()];
    for (int start = 0; start < passages.size(); start += batchSize) {
      int end = Math.min(passages.size(), start + batchSize);
      PairList<String, String> pairs = new PairList<>(end - start);
      for (int i = start; i < end; i++) {
        String p = passages.get(i);
        if (p == null) {
          throw new ConfigurationException("passage " + i + " is null");
        }
        pairs.add(query, p);
      }
      Encoding[] enc = model.tokenizer().batchEncode(pairs);
      double[] logits = runBatch(enc);
      for (int i = 0; i < logits.length; i++) {
        out[start + i] = activation == Activation.SIGMOID ? 1.0 / (1.0 + Math.exp(-logits[i])) : logits[i];
      }
    }
    return out;
  }

  @Override
  public List<Hit> rerank(String query, List<Hit> hits, int k) {
    Ensure.notNull(hits, "hits");
    Ensure.between(k, 0, Integer.MAX_VALUE, "k");
    List<String> texts = new ArrayList<>(hits.size());
    for (Hit h : hits) {
      texts.add(h.title() == null || h.title().isBlank() ? h.content() : h.title() + ". " + h.content());
    }
    double[] scores = score(query, texts);
    List<Integer> order = new ArrayList<>(hits.size());
    for (int i = 0; i < hits.size(); i++) {
      order.add(i);
    }
    // Stable sort: ties keep the retriever's order.
    order.sort(Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
    List<Hit> out = new ArrayList<>(Math.min(k, hits.size()));
    for (int i = 0; i < Math.min(k, order.size()); i++) {
      Hit h = hits.get(order.get(i));
      out.add(new Hit(h.id(), h.title(), h.content(), scores[order.get(i)]));
    }
    return out;
  }

  private double[] runBatch(Encoding[] batch) {
    int n = batch.length;
    OnnxModel.Output o = model.run(batch);
    long labels = o.shape().length == 2 ? o.shape()[1] : 1;
    if (labels != 1) {
      throw new UnsupportedFeatureException(
          model.description() + ": output '" + model.outputName() + "' has " + labels
              + " labels per pair; only single-logit cross-encoders are supported");
    }
    double[] logits = new double[n];
    for (int i = 0; i < n; i++) {
      logits[i] = o.data().get(i);
    }
    return logits;
  }

  @Override
  public void close() {
    model.close();
  }

  /** Configuration; required: model and tokenizer. Checked at {@link #build()}. */
  public static final class Builder {
    private Path modelPath;
    private Path tokenizerPath;
    private int maxLength = 512;
    private int batchSize = 16;
    private Activation activation = Activation.SIGMOID;
    private int intraOpThreads = 0;

    private Builder() {}

    /** The cross-encoder's ONNX file. */
    public Builder modelPath(Path modelPath) {
      this.modelPath = modelPath;
      return this;
    }

    /** Its Hugging Face {@code tokenizer.json}. */
    public Builder tokenizerPath(Path tokenizerPath) {
      this.tokenizerPath = tokenizerPath;
      return this;
    }

    /** Max tokens per pair including special tokens, in [4, 8192]. Default 512 (BERT's position limit). */
    public Builder maxLength(int maxLength) {
      this.maxLength = maxLength;
      return this;
    }

    /** Pairs per ONNX call, in [1, 4096]. Default 16. */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** SIGMOID (default) or RAW logits. */
    public Builder activation(Activation activation) {
      this.activation = activation;
      return this;
    }

    /** ONNX Runtime intra-op threads, in [0, 1024]; 0 (default) lets ONNX Runtime choose. */
    public Builder intraOpThreads(int intraOpThreads) {
      this.intraOpThreads = intraOpThreads;
      return this;
    }

    public OnnxCrossEncoderReranker build() {
      Ensure.notNull(modelPath, "modelPath");
      Ensure.notNull(tokenizerPath, "tokenizerPath");
      Ensure.between(maxLength, 4, 8192, "maxLength");
      Ensure.between(batchSize, 1, 4096, "batchSize");
      Ensure.notNull(activation, "activation");
      Ensure.between(intraOpThreads, 0, 1024, "intraOpThreads");
      // "true" = longest_first truncation of the pair, as sentence-transformers' CrossEncoder tokenizes.
      Map<String, String> tokOptions =
          Map.of(
              "addSpecialTokens", "true",
              "padding", "false",
              "truncation", "true",
              "maxLength", Integer.toString(maxLength));
      OnnxModel model =
          OnnxModel.open(
              OnnxModel.Source.file(modelPath), OnnxModel.Source.file(tokenizerPath), tokOptions, intraOpThreads, "logits");
      try {
        return new OnnxCrossEncoderReranker(this, model);
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
    }
  }
}
