package dev.medadapt.rag.embed;

import java.nio.file.Path;
import java.util.List;

/**
 * Known embedding models, with their pooling, normalization, max length and prefixes, for a folder
 * the user downloaded (a Hugging Face repository with {@code tokenizer.json} and an ONNX export).
 * Settings found in the folder's sentence-transformers files win over the preset's, except the
 * prefixes, which come from the model cards.
 *
 * <pre>{@code
 * // huggingface-cli download BAAI/bge-small-en-v1.5 --local-dir bge-small-en-v1.5
 * try (OnnxEmbedder e = EmbedderPreset.BGE_SMALL_EN_V1_5.builder(Path.of("bge-small-en-v1.5")).build()) { ... }
 * }</pre>
 */
public enum EmbedderPreset {
  /** sentence-transformers/all-MiniLM-L6-v2: mean, normalized, max_seq_length 256. */
  ALL_MINILM_L6_V2("all-MiniLM-L6-v2", Pooling.MEAN, 256, "", "", List.of("onnx/model.onnx", "model.onnx")),
  /** sentence-transformers/multi-qa-MiniLM-L6-cos-v1 (the reference study's embedder): mean, normalized, 512. */
  MULTI_QA_MINILM_L6_COS_V1(
      "multi-qa-MiniLM-L6-cos-v1", Pooling.MEAN, 512, "", "", List.of("onnx/model.onnx", "model.onnx")),
  /**
   * BAAI/bge-small-en-v1.5: CLS, normalized, 512; the model card's retrieval instruction is prepended
   * to queries only.
   */
  BGE_SMALL_EN_V1_5(
      "bge-small-en-v1.5",
      Pooling.CLS,
      512,
      "Represent this sentence for searching relevant passages: ",
      "",
      List.of("onnx/model.onnx", "model.onnx")),
  /** The int8-quantized ONNX of bge-small-en-v1.5 (Xenova/optimum {@code model_quantized.onnx}). */
  BGE_SMALL_EN_V1_5_QUANTIZED(
      "bge-small-en-v1.5-quantized",
      Pooling.CLS,
      512,
      "Represent this sentence for searching relevant passages: ",
      "",
      List.of("onnx/model_quantized.onnx", "model_quantized.onnx", "onnx/model_int8.onnx")),
  /** intfloat/e5-small-v2: mean, normalized, 512, "query: " / "passage: " prefixes (model card). */
  E5_SMALL_V2("e5-small-v2", Pooling.MEAN, 512, "query: ", "passage: ", List.of("onnx/model.onnx", "model.onnx"));

  private final String modelName;
  private final Pooling pooling;
  private final int maxLength;
  private final String queryPrefix;
  private final String passagePrefix;
  private final List<String> modelFiles;

  EmbedderPreset(
      String modelName, Pooling pooling, int maxLength, String queryPrefix, String passagePrefix, List<String> modelFiles) {
    this.modelName = modelName;
    this.pooling = pooling;
    this.maxLength = maxLength;
    this.queryPrefix = queryPrefix;
    this.passagePrefix = passagePrefix;
    this.modelFiles = modelFiles;
  }

  /** The name recorded in index metadata. */
  public String modelName() {
    return modelName;
  }

  /** A builder for the model in {@code dir}, preset to this model's settings (all normalized). */
  public OnnxEmbedder.Builder builder(Path dir) {
    OnnxEmbedder.Builder b =
        OnnxEmbedder.builder().pooling(pooling).normalize(true).maxLength(maxLength);
    SentenceTransformersConfig.read(dir, modelFiles).apply(b);
    return b.name(modelName).queryPrefix(queryPrefix).passagePrefix(passagePrefix);
  }
}
