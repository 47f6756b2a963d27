package dev.medadapt.rag.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.UnsupportedFeatureException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a sentence-transformers export folder says about itself. Layout (sentence-transformers 2.x/3.x
 * {@code save()}, plus an ONNX export by optimum or Xenova): {@code modules.json} lists the modules
 * (Transformer, Pooling in {@code 1_Pooling/}, optional Normalize); {@code 1_Pooling/config.json}
 * holds {@code pooling_mode_*} flags and {@code word_embedding_dimension};
 * {@code sentence_bert_config.json} holds {@code max_seq_length};
 * {@code config_sentence_transformers.json} may hold {@code prompts} ({@code query}, {@code passage}
 * or {@code document}).
 */
record SentenceTransformersConfig(
    String name,
    Path model,
    Path tokenizer,
    Pooling pooling,
    Boolean normalize,
    Integer maxLength,
    String queryPrefix,
    String passagePrefix,
    int dimension,
    String dimensionSource) {

  private static final Logger LOG = LoggerFactory.getLogger(SentenceTransformersConfig.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Model file locations tried in order (optimum/Xenova put it under onnx/). */
  static final List<String> MODEL_FILES = List.of("onnx/model.onnx", "model.onnx");

  static SentenceTransformersConfig read(Path dir) {
    return read(dir, MODEL_FILES);
  }

  static SentenceTransformersConfig read(Path dir, List<String> modelFiles) {
    if (!Files.isDirectory(dir)) {
      throw new ModelFormatException(dir + ": model directory not found");
    }
    Path model = null;
    for (String f : modelFiles) {
      if (Files.isRegularFile(dir.resolve(f))) {
        model = dir.resolve(f);
        break;
      }
    }
    if (model == null) {
      throw new ModelFormatException(dir + ": no ONNX model found (looked for " + String.join(", ", modelFiles) + ")");
    }
    Path tokenizer = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizer)) {
      throw new ModelFormatException(tokenizer + ": file not found (the Hugging Face fast tokenizer of the model)");
    }

    Pooling pooling = null;
    Boolean normalize = null;
    int dimension = 0;
    String dimensionSource = null;
    Path poolingDir = null;
    Path modules = dir.resolve("modules.json");
    if (Files.isRegularFile(modules)) {
      normalize = false;
      for (JsonNode m : readJson(modules)) {
        String type = m.path("type").asText("");
        if (type.endsWith(".Pooling")) {
          poolingDir = dir.resolve(m.path("path").asText("1_Pooling"));
        } else if (type.endsWith(".Normalize")) {
          normalize = true;
        }
      }
    } else if (Files.isDirectory(dir.resolve("1_Pooling"))) {
      poolingDir = dir.resolve("1_Pooling");
    }
    if (poolingDir != null && Files.isRegularFile(poolingDir.resolve("config.json"))) {
      Path pc = poolingDir.resolve("config.json");
      JsonNode p = readJson(pc);
      for (String unsupported :
          new String[] {
            "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
            "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"
          }) {
        if (p.path(unsupported).asBoolean(false)) {
          throw new UnsupportedFeatureException(pc + ": " + unsupported + " is not supported (mean and cls are)");
        }
      }
      boolean cls = p.path("pooling_mode_cls_token").asBoolean(false);
      boolean mean = p.path("pooling_mode_mean_tokens").asBoolean(false);
      if (cls && mean) {
        throw new UnsupportedFeatureException(pc + ": combined cls + mean pooling is not supported");
      }
      if (cls || mean) {
        pooling = cls ? Pooling.CLS : Pooling.MEAN;
      } else {
        throw new ModelFormatException(pc + ": no pooling_mode_* flag is true");
      }
      if (p.has("word_embedding_dimension")) {
        dimension = p.get("word_embedding_dimension").asInt();
        dimensionSource = pc + " (word_embedding_dimension)";
      }
    }
    if (dimension == 0 && Files.isRegularFile(dir.resolve("config.json"))) {
      JsonNode c = readJson(dir.resolve("config.json"));
      if (c.has("hidden_size")) {
        dimension = c.get("hidden_size").asInt();
        dimensionSource = dir.resolve("config.json") + " (hidden_size)";
      }
    }
    Integer maxLength = null;
    Path sbc = dir.resolve("sentence_bert_config.json");
    if (Files.isRegularFile(sbc)) {
      JsonNode s = readJson(sbc);
      if (s.has("max_seq_length")) {
        maxLength = s.get("max_seq_length").asInt();
      }
    }
    String queryPrefix = null;
    String passagePrefix = null;
    Path cst = dir.resolve("config_sentence_transformers.json");
    if (Files.isRegularFile(cst)) {
      JsonNode prompts = readJson(cst).path("prompts");
      if (prompts.has("query")) {
        queryPrefix = prompts.get("query").asText();
      }
      if (prompts.has("passage")) {
        passagePrefix = prompts.get("passage").asText();
      } else if (prompts.has("document")) {
        passagePrefix = prompts.get("document").asText();
      }
    }
    if (pooling == null) {
      LOG.warn("{}: no sentence-transformers pooling config; using the builder's pooling (mean unless set)", dir);
    }
    return new SentenceTransformersConfig(
        dir.toAbsolutePath().normalize().getFileName().toString(),
        model, tokenizer, pooling, normalize, maxLength, queryPrefix, passagePrefix, dimension, dimensionSource);
  }

  /** Sets what this folder specifies; leaves the builder's values for what it does not. */
  OnnxEmbedder.Builder apply(OnnxEmbedder.Builder b) {
    b.modelPath(model).tokenizerPath(tokenizer).name(name);
    if (pooling != null) {
      b.pooling(pooling);
    }
    if (normalize != null) {
      b.normalize(normalize);
    }
    if (maxLength != null) {
      b.maxLength(maxLength);
    }
    if (queryPrefix != null) {
      b.queryPrefix(queryPrefix);
    }
    if (passagePrefix != null) {
      b.passagePrefix(passagePrefix);
    }
    if (dimension > 0) {
      b.expectedDimension(dimension, dimensionSource);
    }
    return b;
  }

  private static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new ModelFormatException(file + ": invalid JSON: " + e.getMessage(), e);
    }
  }
}
