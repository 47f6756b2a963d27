package dev.medadapt.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The architecture fields of a Hugging Face Qwen2 {@code config.json} (as written by
 * {@code transformers.Qwen2Config}).
 *
 * <pre>{@code
 * Qwen2Config cfg = Qwen2Config.load(Path.of("DeepSeek-R1-Distill-Qwen-1.5B"));
 * int headDim = cfg.headDim(); // hidden_size / num_attention_heads
 * }</pre>
 *
 * @param modelType {@code model_type}; one of {@link #SUPPORTED_MODEL_TYPES}
 * @param hiddenSize {@code hidden_size}
 * @param intermediateSize {@code intermediate_size} (SwiGLU inner width)
 * @param numHiddenLayers {@code num_hidden_layers}
 * @param numAttentionHeads {@code num_attention_heads}
 * @param numKeyValueHeads {@code num_key_value_heads} (grouped-query attention)
 * @param ropeTheta {@code rope_theta}
 * @param rmsNormEps {@code rms_norm_eps}
 * @param vocabSize {@code vocab_size} (may exceed the tokenizer's vocabulary)
 * @param tieWordEmbeddings {@code tie_word_embeddings}: lm_head reuses the embedding matrix
 * @param maxPositionEmbeddings {@code max_position_embeddings}
 * @param torchDtype {@code torch_dtype} as stored ("bfloat16", "float32", ...), or "" when absent
 * @param bosTokenId {@code bos_token_id}, or -1 when absent
 * @param eosTokenIds {@code eos_token_id} (an int or a list in config.json), possibly empty
 */
public record Qwen2Config(
    String modelType,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    double ropeTheta,
    double rmsNormEps,
    int vocabSize,
    boolean tieWordEmbeddings,
    int maxPositionEmbeddings,
    String torchDtype,
    int bosTokenId,
    List<Integer> eosTokenIds) {

  /** {@code model_type} values this runtime implements. */
  public static final Set<String> SUPPORTED_MODEL_TYPES = Set.of("qwen2");

  public Qwen2Config {
    eosTokenIds = List.copyOf(eosTokenIds);
    String where = "config (model_type " + modelType + ")";
    if (!SUPPORTED_MODEL_TYPES.contains(modelType)) {
      throw new ModelFormatException(
          "unsupported model_type \"" + modelType + "\"; supported: " + SUPPORTED_MODEL_TYPES);
    }
    requirePositive(hiddenSize, "hidden_size", where);
    requirePositive(intermediateSize, "intermediate_size", where);
    requirePositive(numHiddenLayers, "num_hidden_layers", where);
    requirePositive(numAttentionHeads, "num_attention_heads", where);
    requirePositive(numKeyValueHeads, "num_key_value_heads", where);
    requirePositive(vocabSize, "vocab_size", where);
    requirePositive(maxPositionEmbeddings, "max_position_embeddings", where);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new ModelFormatException(
          where + ": hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numAttentionHeads);
    }
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new ModelFormatException(
          where + ": num_attention_heads " + numAttentionHeads
              + " is not divisible by num_key_value_heads " + numKeyValueHeads);
    }
    if (!(ropeTheta > 0) || !(rmsNormEps > 0)) {
      throw new ModelFormatException(
          where + ": rope_theta and rms_norm_eps must be > 0, were " + ropeTheta + " and " + rmsNormEps);
    }
  }

  private static void requirePositive(int v, String field, String where) {
    if (v <= 0) {
      throw new ModelFormatException(where + ": " + field + " must be > 0, was " + v);
    }
  }

  /** Width of one attention head: {@code hidden_size / num_attention_heads}. */
  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }

  /** How many query heads share one key/value head. */
  public int groupSize() {
    return numAttentionHeads / numKeyValueHeads;
  }

  /** Reads {@code dir/config.json}. */
  public static Qwen2Config load(Path dir) {
    Path file = dir.resolve("config.json");
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException(
          "missing " + file + ": a Hugging Face model folder needs config.json next to its safetensors");
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new ModelFormatException("cannot parse " + file + ": " + e.getMessage(), e);
    }
    return fromJson(root, file.toString());
  }

  /** Parses a config.json tree; {@code source} names the file in error messages. */
  public static Qwen2Config fromJson(JsonNode root, String source) {
    if (root == null || !root.isObject()) {
      throw new ModelFormatException(source + ": expected a JSON object");
    }
    JsonNode type = root.get("model_type");
    if (type == null || !type.isTextual()) {
      throw new ModelFormatException(
          source + ": field model_type is missing; supported: " + SUPPORTED_MODEL_TYPES);
    }
    if (!SUPPORTED_MODEL_TYPES.contains(type.asText())) {
      throw new ModelFormatException(
          source + ": unsupported model_type \"" + type.asText() + "\"; supported: " + SUPPORTED_MODEL_TYPES);
    }
    int hidden = requiredInt(root, "hidden_size", source);
    int heads = requiredInt(root, "num_attention_heads", source);
    int kv = root.has("num_key_value_heads") && !root.get("num_key_value_heads").isNull()
        ? requiredInt(root, "num_key_value_heads", source) : heads;
    if (root.has("head_dim") && root.get("head_dim").isInt() && heads > 0
        && root.get("head_dim").asInt() != hidden / heads) {
      throw new ModelFormatException(source + ": head_dim " + root.get("head_dim").asInt()
          + " differs from hidden_size / num_attention_heads = " + (hidden / heads) + "; not supported");
    }
    List<Integer> eos = new ArrayList<>();
    JsonNode e = root.get("eos_token_id");
    if (e != null && e.isInt()) {
      eos.add(e.asInt());
    } else if (e != null && e.isArray()) {
      for (JsonNode x : e) {
        if (!x.isInt()) {
          throw new ModelFormatException(source + ": eos_token_id must be an int or a list of ints, was " + e);
        }
        eos.add(x.asInt());
      }
    } else if (e != null && !e.isNull()) {
      throw new ModelFormatException(source + ": eos_token_id must be an int or a list of ints, was " + e);
    }
    JsonNode bos = root.get("bos_token_id");
    try {
      return new Qwen2Config(
          type.asText(),
          hidden,
          requiredInt(root, "intermediate_size", source),
          requiredInt(root, "num_hidden_layers", source),
          heads,
          kv,
          optionalDouble(root, "rope_theta", 10000.0, source), // transformers Qwen2Config default
          optionalDouble(root, "rms_norm_eps", 1e-6, source), // transformers Qwen2Config default
          requiredInt(root, "vocab_size", source),
          optionalBoolean(root, "tie_word_embeddings", false, source), // transformers Qwen2Config default
          root.has("max_position_embeddings") ? requiredInt(root, "max_position_embeddings", source) : 32768,
          root.path("torch_dtype").asText(root.path("dtype").asText("")),
          bos != null && bos.isInt() ? bos.asInt() : -1,
          eos);
    } catch (ModelFormatException ex) {
      if (ex.getMessage() != null && ex.getMessage().startsWith(source + ": ")) {
        throw ex;
      }
      throw new ModelFormatException(source + ": " + ex.getMessage(), ex);
    }
  }

  private static int requiredInt(JsonNode root, String field, String source) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      throw new ModelFormatException(source + ": required field " + field + " is missing");
    }
    if (!n.canConvertToInt() || !n.isIntegralNumber()) {
      throw new ModelFormatException(source + ": field " + field + " must be an integer, was " + n);
    }
    return n.asInt();
  }

  private static boolean optionalBoolean(JsonNode root, String field, boolean dflt, String source) {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw new ModelFormatException(source + ": field " + field + " must be true or false, was " + v);
    }
    return v.asBoolean();
  }

  private static double optionalDouble(JsonNode root, String field, double dflt, String source) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isNumber()) {
      throw new ModelFormatException(source + ": field " + field + " must be a number, was " + n);
    }
    return n.asDouble();
  }
}
