package dev.medadapt.train.peft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.train.lora.LoraConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code adapter_config.json} for a LoRA adapter on a causal LM: written with the field set PEFT 0.13 writes
 * ({@code LoraConfig} dataclass fields, {@code json.dumps(indent=2, sort_keys=True)}), read back with validation
 * of everything this runtime cannot honour (DoRA, rank/alpha patterns, modules_to_save, layer selection, biases,
 * fan_in_fan_out), so an adapter made elsewhere is either loaded exactly or refused with the field named.
 */
public final class PeftAdapterConfig {
  /** File name PEFT uses. */
  public static final String FILE_NAME = "adapter_config.json";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private PeftAdapterConfig() {}

  /** The JSON PEFT writes for {@code config}, keys sorted as {@code sort_keys=True} does. */
  public static String toJson(LoraConfig config, String baseModelNameOrPath) {
    ObjectNode o = MAPPER.createObjectNode();
    o.putObject("alpha_pattern");
    o.putNull("auto_mapping");
    if (baseModelNameOrPath == null) {
      o.putNull("base_model_name_or_path");
    } else {
      o.put("base_model_name_or_path", baseModelNameOrPath);
    }
    o.put("bias", "none");
    o.put("fan_in_fan_out", false);
    o.put("inference_mode", true);
    o.put("init_lora_weights", true);
    o.putNull("layer_replication");
    o.putNull("layers_pattern");
    o.putNull("layers_to_transform");
    o.putObject("loftq_config");
    putNumber(o, "lora_alpha", config.alpha());
    putNumber(o, "lora_dropout", config.dropout());
    o.putNull("megatron_config");
    o.put("megatron_core", "megatron.core");
    o.putNull("modules_to_save");
    o.put("peft_type", "LORA");
    o.put("r", config.rank());
    o.putObject("rank_pattern");
    o.putNull("revision");
    ArrayNode targets = o.putArray("target_modules");
    config.targetModules().stream().sorted().forEach(targets::add);
    o.put("task_type", "CAUSAL_LM");
    o.put("use_dora", false);
    o.put("use_rslora", config.rsLora());
    try {
      // Python's json.dumps(indent=2): two-space indent, ", " never at line ends, ": " between key and value.
      DefaultPrettyPrinter pp =
          new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n")).withArrayIndenter(
              new DefaultIndenter("  ", "\n"));
      return MAPPER.writer(pp).writeValueAsString(o).replace(" : ", ": ").replace("{ }", "{}");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize adapter config", e);
    }
  }

  /** Writes {@code adapter_config.json} into {@code dir} (temporary file, then rename). */
  public static void write(Path dir, LoraConfig config, String baseModelNameOrPath) throws IOException {
    dev.medadapt.core.io.AtomicFiles.writeString(dir.resolve(FILE_NAME), toJson(config, baseModelNameOrPath));
  }

  /** What an adapter_config.json says, validated. */
  public record Parsed(LoraConfig lora, String baseModelNameOrPath) {}

  /** Reads and validates {@code dir/adapter_config.json}. */
  public static Parsed read(Path dir) {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException("PEFT adapter config not found: " + file);
    }
    JsonNode o;
    try {
      o = MAPPER.readTree(file.toFile());
    } catch (IOException e) {
      throw new ModelFormatException(file + ": invalid JSON: " + e.getMessage(), e);
    }
    if (o == null || !o.isObject()) {
      throw new ModelFormatException(file + ": expected a JSON object");
    }
    String peftType = text(o, "peft_type", file, null);
    if (!"LORA".equals(peftType)) {
      throw new UnsupportedFeatureException(file + ": field 'peft_type' is '" + peftType + "'; only LORA is supported");
    }
    String task = text(o, "task_type", file, "CAUSAL_LM");
    if (!"CAUSAL_LM".equals(task)) {
      throw new UnsupportedFeatureException(file + ": field 'task_type' is '" + task + "'; only CAUSAL_LM is supported");
    }
    int r = intField(o, "r", file);
    double alpha = number(o, "lora_alpha", file, 8);
    double dropout = number(o, "lora_dropout", file, 0);
    boolean rs = bool(o, "use_rslora", file, false);
    refuseIf(bool(o, "use_dora", file, false), file, "use_dora", "true (DoRA)");
    refuseIf(bool(o, "fan_in_fan_out", file, false), file, "fan_in_fan_out", "true");
    String bias = text(o, "bias", file, "none");
    refuseIf(!"none".equals(bias), file, "bias", "'" + bias + "'");
    for (String f : List.of("modules_to_save", "layers_to_transform", "layer_replication")) {
      JsonNode v = o.get(f);
      refuseIf(v != null && !v.isNull() && !(v.isArray() && v.isEmpty()), file, f, v == null ? "" : v.toString());
    }
    for (String f : List.of("rank_pattern", "alpha_pattern")) {
      JsonNode v = o.get(f);
      refuseIf(v != null && !v.isNull() && !(v.isObject() && v.isEmpty()), file, f, v == null ? "" : v.toString());
    }
    JsonNode tm = o.get("target_modules");
    List<String> targets = new ArrayList<>();
    if (tm == null || !tm.isArray()) {
      throw new UnsupportedFeatureException(
          file + ": field 'target_modules' must be a list of module names (a regex string or 'all-linear' is not"
              + " supported), was " + tm);
    }
    for (Iterator<JsonNode> it = tm.elements(); it.hasNext(); ) {
      JsonNode t = it.next();
      String name = t.asText();
      // Accept full names such as "model.layers.0.self_attn.q_proj" only if they reduce to a supported suffix.
      String suffix = name.substring(name.lastIndexOf('.') + 1);
      if (!LoraConfig.SUPPORTED_TARGETS.contains(suffix) || !name.equals(suffix)) {
        throw new UnsupportedFeatureException(
            file + ": field 'target_modules' entry '" + name + "' is not supported; supported: "
                + new java.util.TreeSet<>(LoraConfig.SUPPORTED_TARGETS));
      }
      targets.add(name);
    }
    try {
      LoraConfig lora =
          LoraConfig.builder().rank(r).alpha(alpha).dropout(dropout).rsLora(rs).targetModules(targets).build();
      JsonNode base = o.get("base_model_name_or_path");
      return new Parsed(lora, base == null || base.isNull() ? null : base.asText());
    } catch (dev.medadapt.core.ConfigurationException e) {
      throw new ModelFormatException(file + ": " + e.getMessage(), e);
    }
  }

  private static void putNumber(ObjectNode o, String key, double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15 && !key.equals("lora_dropout")) {
      o.put(key, (long) v);
    } else {
      o.put(key, v);
    }
  }

  private static void refuseIf(boolean bad, Path file, String field, String value) {
    if (bad) {
      throw new UnsupportedFeatureException(file + ": field '" + field + "' = " + value + " is not supported");
    }
  }

  private static String text(JsonNode o, String f, Path file, String dflt) {
    JsonNode v = o.get(f);
    if (v == null || v.isNull()) {
      if (dflt == null) {
        throw new ModelFormatException(file + ": missing field '" + f + "'");
      }
      return dflt;
    }
    if (!v.isTextual()) {
      throw new ModelFormatException(file + ": field '" + f + "' must be a string, was " + v);
    }
    return v.asText();
  }

  private static int intField(JsonNode o, String f, Path file) {
    JsonNode v = o.get(f);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new ModelFormatException(file + ": field '" + f + "' must be an integer, was " + v);
    }
    return v.intValue();
  }

  private static double number(JsonNode o, String f, Path file, double dflt) {
    JsonNode v = o.get(f);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw new ModelFormatException(file + ": field '" + f + "' must be a number, was " + v);
    }
    return v.doubleValue();
  }

  private static boolean bool(JsonNode o, String f, Path file, boolean dflt) {
    JsonNode v = o.get(f);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw new ModelFormatException(file + ": field '" + f + "' must be true or false, was " + v);
    }
    return v.booleanValue();
  }

  /** PEFT's tensor-name prefix for a causal LM ({@code PeftModelForCausalLM.base_model.model}). */
  static final String PREFIX = "base_model.model.";

  /** Names of the tensors PEFT saves for one adapted module (adapter name "default" removed, as PEFT does). */
  public static Map.Entry<String, String> tensorNames(String module, boolean embedding) {
    return embedding
        ? Map.entry(PREFIX + module + ".lora_embedding_A", PREFIX + module + ".lora_embedding_B")
        : Map.entry(PREFIX + module + ".lora_A.weight", PREFIX + module + ".lora_B.weight");
  }
}
