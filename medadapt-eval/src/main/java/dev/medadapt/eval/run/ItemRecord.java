package dev.medadapt.eval.run;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.medadapt.core.Ensure;

/**
 * One scored benchmark item: a line of a run's {@code records.jsonl}.
 *
 * <pre>{@code
 * {"question_id":"medqa-17","benchmark":"medqa","prompt_hash":"9f2c...","mode":"generate",
 *  "output":"... the answer is B","extracted":"B","rule":"answer-is","gold":"B","correct":true,"latency_ms":812}
 * }</pre>
 *
 * @param questionId the question's id (unique within its benchmark)
 * @param benchmark benchmark name
 * @param promptHash {@link PromptHash} of exactly what the model was asked
 * @param mode {@code generate} or {@code loglikelihood}
 * @param output the model's raw output (generate mode) or the per-option scores (loglikelihood mode)
 * @param extracted the chosen letter, or {@link #UNPARSED}
 * @param rule the extraction rule that found the letter, or why none was found
 * @param gold the correct letter
 * @param correct whether {@code extracted} equals {@code gold} (always false when unparsed); checked
 * @param latencyMs wall-clock milliseconds of the model call(s) for this item
 */
public record ItemRecord(
    @JsonProperty("question_id") String questionId,
    @JsonProperty("benchmark") String benchmark,
    @JsonProperty("prompt_hash") String promptHash,
    @JsonProperty("mode") String mode,
    @JsonProperty("output") String output,
    @JsonProperty("extracted") String extracted,
    @JsonProperty("rule") String rule,
    @JsonProperty("gold") String gold,
    @JsonProperty("correct") boolean correct,
    @JsonProperty("latency_ms") long latencyMs) {

  /** The {@code extracted} value of an answer that could not be read; it counts as wrong. */
  public static final String UNPARSED = "UNPARSED";

  public ItemRecord {
    Ensure.notBlank(questionId, "question_id");
    Ensure.notBlank(benchmark, "benchmark");
    Ensure.notBlank(promptHash, "prompt_hash");
    Ensure.notBlank(extracted, "extracted");
    Ensure.notBlank(gold, "gold");
    Ensure.notNull(output, "output");
    if (correct != extracted.equals(gold)) {
      throw new dev.medadapt.core.DataFormatException(
          "record " + benchmark + "/" + questionId + " says correct=" + correct + " but extracted " + extracted
              + (correct ? " != " : " == ") + "gold " + gold);
    }
  }

  /** Whether no answer could be read from the output. */
  @JsonIgnore
  public boolean isUnparsed() {
    return UNPARSED.equals(extracted);
  }

  /** Benchmark and question id: identifies the item across runs. */
  @JsonIgnore
  public String key() {
    return key(benchmark, questionId);
  }

  static String key(String benchmark, String questionId) {
    return benchmark + '\u0000' + questionId;
  }
}
