package dev.medadapt.train.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.model.Qwen2Config;
import dev.medadapt.core.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The end-of-sequence id appended to training text: the tokenizer's eos_token, as TRL appends it. Not API. */
public final class EosToken {
  private EosToken() {}

  /**
   * {@code eos_token} of {@code tokenizer_config.json} (a string or an {@code {"content": ...}} object) mapped by the
   * tokenizer; without one, the first {@code eos_token_id} of config.json.
   */
  public static int resolve(Path modelDir, HfTokenizer tokenizer, Qwen2Config config) {
    Path tc = modelDir.resolve("tokenizer_config.json");
    if (Files.isRegularFile(tc)) {
      JsonNode n;
      try {
        n = new ObjectMapper().readTree(tc.toFile()).get("eos_token");
      } catch (IOException e) {
        throw new ModelFormatException(tc + ": invalid JSON: " + e.getMessage(), e);
      }
      String s = n == null || n.isNull() ? null : n.isTextual() ? n.asText() : n.path("content").asText(null);
      if (s != null) {
        return tokenizer.tokenToId(s).orElseThrow(() -> new ModelFormatException(
            tc + ": eos_token '" + s + "' is not in the vocabulary of " + tokenizer.file()));
      }
    }
    if (!config.eosTokenIds().isEmpty()) {
      return config.eosTokenIds().get(0);
    }
    throw new ModelFormatException("no end-of-sequence token: neither " + tc + " field 'eos_token' nor "
        + modelDir.resolve("config.json") + " field 'eos_token_id' is set");
  }
}
