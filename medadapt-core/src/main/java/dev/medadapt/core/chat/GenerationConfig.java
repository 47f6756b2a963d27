package dev.medadapt.core.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The parts of a Hugging Face {@code generation_config.json} the runtime needs: the EOS ids that end
 * generation (an int or a list in the file) and the model's recommended sampling defaults.
 *
 * @param eosTokenIds ids that end generation (may be empty when the file names none)
 * @param bosTokenId the BOS id, if given
 * @param padTokenId the PAD id, if given
 * @param doSample whether the model card recommends sampling
 * @param temperature recommended temperature, if given
 * @param topP recommended nucleus mass, if given
 * @param topK recommended top-k, if given
 */
public record GenerationConfig(
    List<Integer> eosTokenIds,
    OptionalInt bosTokenId,
    OptionalInt padTokenId,
    boolean doSample,
    OptionalDouble temperature,
    OptionalDouble topP,
    OptionalInt topK) {
  private static final String FILE_NAME = "generation_config.json";

  public GenerationConfig {
    eosTokenIds = List.copyOf(Ensure.notNull(eosTokenIds, "eosTokenIds"));
  }

  /**
   * Reads {@code generation_config.json} from a model directory or the given file.
   *
   * @throws ModelFormatException when absent or malformed (names the file and field)
   */
  public static GenerationConfig load(Path modelDirOrFile) {
    Ensure.notNull(modelDirOrFile, "modelDirOrFile");
    Path file = Files.isDirectory(modelDirOrFile) ? modelDirOrFile.resolve(FILE_NAME) : modelDirOrFile;
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException("generation config not found: " + file.toAbsolutePath());
    }
    JsonNode n;
    try {
      n = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new ModelFormatException("cannot parse " + file.toAbsolutePath() + ": " + e.getMessage(), e);
    }
    if (n == null || !n.isObject()) {
      throw new ModelFormatException(file.toAbsolutePath() + " is not a JSON object");
    }
    List<Integer> eos = new ArrayList<>();
    JsonNode e = n.get("eos_token_id");
    if (e != null && !e.isNull()) {
      if (e.isArray()) {
        for (JsonNode x : e) {
          eos.add(intValue(x, "eos_token_id", file));
        }
      } else {
        eos.add(intValue(e, "eos_token_id", file));
      }
    }
    return new GenerationConfig(
        eos,
        optInt(n, "bos_token_id", file),
        optInt(n, "pad_token_id", file),
        n.path("do_sample").asBoolean(false),
        optDouble(n, "temperature", file),
        optDouble(n, "top_p", file),
        optInt(n, "top_k", file));
  }

  /** {@link #load} when the directory has a {@code generation_config.json}, else empty. */
  public static Optional<GenerationConfig> loadIfPresent(Path modelDir) {
    Ensure.notNull(modelDir, "modelDir");
    return Files.isRegularFile(modelDir.resolve(FILE_NAME))
        ? Optional.of(load(modelDir.resolve(FILE_NAME)))
        : Optional.empty();
  }

  private static int intValue(JsonNode x, String field, Path file) {
    if (!x.isIntegralNumber() || !x.canConvertToInt() || x.asInt() < 0) {
      throw new ModelFormatException(
          file.toAbsolutePath() + ": " + field + " must be a non-negative integer or a list of them, was " + x);
    }
    return x.asInt();
  }

  private static OptionalInt optInt(JsonNode n, String field, Path file) {
    JsonNode x = n.get(field);
    return x == null || x.isNull() ? OptionalInt.empty() : OptionalInt.of(intValue(x, field, file));
  }

  private static OptionalDouble optDouble(JsonNode n, String field, Path file) {
    JsonNode x = n.get(field);
    if (x == null || x.isNull()) {
      return OptionalDouble.empty();
    }
    if (!x.isNumber()) {
      throw new ModelFormatException(file.toAbsolutePath() + ": " + field + " must be a number, was " + x);
    }
    return OptionalDouble.of(x.asDouble());
  }
}
