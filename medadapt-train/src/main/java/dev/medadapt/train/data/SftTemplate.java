package dev.medadapt.train.data;

import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.Ensure;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A text template that turns a row of named fields into an {@link SftExample}: a prompt part and a completion
 * part, each with {@code {field}} placeholders. Write a literal brace as <code>{{</code> or <code>}}</code>.
 *
 * <pre>{@code
 * SftTemplate t = SftTemplate.of("Q: {question}\nA: ", "{answer}");
 * SftExample ex = t.render(Map.of("question", "What is ...?", "answer", "..."), "data.jsonl:3");
 * }</pre>
 */
public final class SftTemplate {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{|\\}\\}|\\{([A-Za-z_][A-Za-z0-9_]*)\\}");

  /** Preamble of the medical-o1-reasoning-SFT fine-tuning template (see {@link #MEDICAL_O1_REASONING}). */
  public static final String MEDICAL_O1_PREAMBLE =
      "Below is an instruction that describes a task, paired with an input that provides further context. "
          + "Write a response that appropriately completes the request. "
          + "Before answering, think carefully about the question and create a step-by-step chain of thoughts "
          + "to ensure a logical and accurate response.";

  /** The medical-expert instruction of the same template. */
  public static final String MEDICAL_O1_INSTRUCTION =
      "You are a medical expert with advanced knowledge in clinical reasoning, diagnostics, and treatment planning. "
          + "Please answer the following medical question.";

  /**
   * The prompt format widely used to fine-tune DeepSeek-R1-Distill models on FreedomIntelligence's
   * medical-o1-reasoning-SFT (popularised by the Unsloth notebook and DataCamp's "Fine-Tuning DeepSeek R1"
   * tutorial, and used by the reference study): {@code ### Instruction:} with a medical-expert instruction, then
   * {@code ### Question:\n{question}\n### Response:\n<think>\n{cot}\n</think>\n{response}}. The completion (what
   * completion-only loss supervises) starts after {@code ### Response:\n}. Fields: {@code question}, {@code cot},
   * {@code response}; {@link SftDatasets#medicalO1(java.nio.file.Path)} maps the data set's
   * {@code Question, Complex_CoT, Response} onto them.
   */
  public static final SftTemplate MEDICAL_O1_REASONING =
      of(
          escape(MEDICAL_O1_PREAMBLE)
              + "\n\n### Instruction:\n"
              + escape(MEDICAL_O1_INSTRUCTION)
              + "\n\n### Question:\n{question}\n### Response:\n",
          "<think>\n{cot}\n</think>\n{response}");

  private final String prompt;
  private final String completion;
  private final Set<String> fields;

  private SftTemplate(String prompt, String completion) {
    this.prompt = prompt;
    this.completion = completion;
    Set<String> f = new LinkedHashSet<>();
    collect(prompt, f, "prompt");
    collect(completion, f, "completion");
    this.fields = Set.copyOf(f);
  }

  /** A template from a prompt part and a completion part; fails on an unbalanced brace. */
  public static SftTemplate of(String prompt, String completion) {
    Ensure.notNull(prompt, "prompt template");
    Ensure.notBlank(completion, "completion template");
    return new SftTemplate(prompt, completion);
  }

  /** The placeholder names used by this template. */
  public Set<String> fields() {
    return fields;
  }

  /** Fills the placeholders; a missing field is a {@link DataFormatException} naming {@code source} and the field. */
  public SftExample render(Map<String, String> values, String source) {
    return new SftExample(fill(prompt, values, source), fill(completion, values, source), source);
  }

  private static void collect(String template, Set<String> out, String part) {
    Matcher m = PLACEHOLDER.matcher(template);
    int last = 0;
    while (m.find()) {
      checkNoStrayBrace(template.substring(last, m.start()), part, template);
      if (m.group(1) != null) {
        out.add(m.group(1));
      }
      last = m.end();
    }
    checkNoStrayBrace(template.substring(last), part, template);
  }

  private static void checkNoStrayBrace(String literal, String part, String template) {
    if (literal.indexOf('{') >= 0 || literal.indexOf('}') >= 0) {
      throw new dev.medadapt.core.ConfigurationException(
          part + " template has an unmatched brace (write {{ or }} for a literal brace, {name} for a field): \""
              + template + "\"");
    }
  }

  private static String fill(String template, Map<String, String> values, String source) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder sb = new StringBuilder();
    int last = 0;
    while (m.find()) {
      sb.append(template, last, m.start());
      String token = m.group();
      if (token.equals("{{")) {
        sb.append('{');
      } else if (token.equals("}}")) {
        sb.append('}');
      } else {
        String v = values.get(m.group(1));
        if (v == null) {
          throw new DataFormatException(source + ": missing field '" + m.group(1) + "' required by the template");
        }
        sb.append(v);
      }
      last = m.end();
    }
    sb.append(template, last, template.length());
    return sb.toString();
  }

  private static String escape(String literal) {
    return literal.replace("{", "{{").replace("}", "}}");
  }

  @Override
  public String toString() {
    return "SftTemplate[prompt=" + prompt + ", completion=" + completion + "]";
  }
}
