package dev.medadapt.eval.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.MedAdaptException;
import dev.medadapt.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How a run was made (Tribuo-style provenance), stored as {@code run.json} next to the records.
 *
 * @param format on-disk format of the run directory ({@link #FORMAT})
 * @param model the model's {@link dev.medadapt.core.llm.LanguageModel#name()}
 * @param promptFormat the prompt format's name ({@code seed}, {@code medrag}, {@code lmeval})
 * @param mode {@code generate} or {@code loglikelihood}
 * @param extractor the answer extractor (class or mode name)
 * @param retrieval description of the retrieval hook, or {@code none}
 * @param seed the seed the question subsets were drawn with (-1 when not subsampled)
 * @param n questions per benchmark asked for (-1 for all)
 * @param benchmarks benchmark names, in run order
 * @param questions number of questions per benchmark actually in the run
 * @param generation decoding settings ({@code max_new_tokens}, {@code temperature}, ...)
 * @param medadaptVersion MedAdapt version
 * @param javaVersion Java runtime version
 * @param startTime ISO-8601 instant of the first start
 * @param resumedAt ISO-8601 instants of later restarts on the same directory
 */
public record RunMetadata(
    @JsonProperty("format") String format,
    @JsonProperty("model") String model,
    @JsonProperty("prompt_format") String promptFormat,
    @JsonProperty("mode") String mode,
    @JsonProperty("extractor") String extractor,
    @JsonProperty("retrieval") String retrieval,
    @JsonProperty("seed") long seed,
    @JsonProperty("n") int n,
    @JsonProperty("benchmarks") List<String> benchmarks,
    @JsonProperty("questions") Map<String, Integer> questions,
    @JsonProperty("generation") Map<String, Object> generation,
    @JsonProperty("medadapt_version") String medadaptVersion,
    @JsonProperty("java_version") String javaVersion,
    @JsonProperty("start_time") String startTime,
    @JsonProperty("resumed_at") List<String> resumedAt) {

  /** Version tag of the run directory layout ({@code run.json} + {@code records.jsonl}). */
  public static final String FORMAT = "medadapt.run.v1";

  /** File name of the metadata in a run directory. */
  public static final String FILE = "run.json";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public RunMetadata {
    Ensure.notBlank(format, "format");
    Ensure.notBlank(model, "model");
    benchmarks = List.copyOf(Ensure.notNull(benchmarks, "benchmarks"));
    questions = Map.copyOf(Ensure.notNull(questions, "questions"));
    generation = generation == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(generation));
    resumedAt = resumedAt == null ? List.of() : List.copyOf(resumedAt);
  }

  /** This version of MedAdapt (from the jar manifest; "development build" when run from classes). */
  public static String currentMedadaptVersion() {
    String v = RunMetadata.class.getPackage().getImplementationVersion();
    return v == null ? "development build" : v;
  }

  /** Writes {@code run.json} into {@code dir} atomically (temp file, fsync, rename). */
  public void write(Path dir) {
    AtomicFiles.writeJson(dir.resolve(FILE), JSON, this);
  }

  /** Reads {@code run.json} of a run directory. */
  public static RunMetadata read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      throw new DataFormatException(file + " does not exist: " + dir + " is not a MedAdapt run directory");
    }
    RunMetadata m;
    try {
      m = JSON.readValue(file.toFile(), RunMetadata.class);
    } catch (IOException | MedAdaptException e) {
      throw new DataFormatException(file + ": not a run metadata file (" + e.getMessage() + ")", e);
    }
    if (!FORMAT.equals(m.format())) {
      throw new DataFormatException(file + ": field format must be " + FORMAT + ", was " + m.format());
    }
    return m;
  }

  /** Whether {@code run.json} exists in {@code dir}. */
  public static boolean exists(Path dir) {
    return Files.exists(dir.resolve(FILE));
  }

  /** A copy recording one more restart. */
  public RunMetadata withResume(String instant) {
    List<String> r = new java.util.ArrayList<>(resumedAt);
    r.add(instant);
    return new RunMetadata(
        format, model, promptFormat, mode, extractor, retrieval, seed, n, benchmarks, questions, generation,
        medadaptVersion, javaVersion, startTime, r);
  }
}
