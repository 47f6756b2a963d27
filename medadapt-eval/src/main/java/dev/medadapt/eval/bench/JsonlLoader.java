package dev.medadapt.eval.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.Ensure;
import dev.medadapt.eval.bench.internal.Sources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Any multiple-choice JSON Lines file, one object per line, with a field mapping.
 *
 * <pre>{@code
 * BenchmarkLoader l = JsonlLoader.builder()
 *     .benchmark("mycorp").idField("qid").questionField("stem")
 *     .optionFields(List.of("opa", "opb", "opc", "opd"))
 *     .answerField("cop").answerEncoding(JsonlLoader.AnswerEncoding.INDEX_1)
 *     .build();
 * }</pre>
 *
 * <p>Options come either from one field ({@link Builder#optionsField}) holding an object keyed
 * A, B, C, ... or an array of strings, or from several fields ({@link Builder#optionFields}), one per
 * option in order. Without an id field the id is the 1-based line number. Defaults (the registry's
 * {@code jsonl}): fields {@code id}, {@code question}, {@code options}, {@code answer} (a letter),
 * {@code context} (optional). Order: file order.
 */
public final class JsonlLoader implements BenchmarkLoader {

  /** How the answer field names the correct option. */
  public enum AnswerEncoding {
    /** A letter {@code "A"}, {@code "B"}, ... */
    LETTER,
    /** A 0-based integer index. */
    INDEX_0,
    /** A 1-based integer index (MedMCQA's {@code cop}). */
    INDEX_1,
    /** The exact text of the correct option. */
    TEXT
  }

  private final String benchmark;
  private final String idField;
  private final String questionField;
  private final String optionsField;
  private final List<String> optionFields;
  private final String answerField;
  private final AnswerEncoding answerEncoding;
  private final String contextField;

  private JsonlLoader(Builder b) {
    this.benchmark = b.benchmark;
    this.idField = b.idField;
    this.questionField = b.questionField;
    this.optionsField = b.optionsField;
    this.optionFields = b.optionFields;
    this.answerField = b.answerField;
    this.answerEncoding = b.answerEncoding;
    this.contextField = b.contextField;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "jsonl";
  }

  @Override
  public List<Question> load(Path path) {
    List<Question> out = new ArrayList<>();
    Sources.IdSet ids = new Sources.IdSet();
    Sources.forEachJsonLine(
        path,
        (node, line) -> {
          String where = path + ":" + line;
          String id;
          if (idField == null) {
            id = String.valueOf(line);
          } else {
            JsonNode v = node.get(idField);
            if (v == null || v.isNull() || !(v.isTextual() || v.canConvertToExactIntegral())) {
              throw new DataFormatException(where + ": field '" + idField + "' (the id) is missing or not a string/integer");
            }
            id = v.asText();
          }
          ids.add(id, where);
          String q = Sources.text(node, questionField, where);
          List<String> options = options(node, where);
          String answer = answer(node, options, where);
          String context = null;
          if (contextField != null && node.hasNonNull(contextField)) {
            context = Sources.text(node, contextField, where);
          }
          out.add(new Question(id, benchmark, q, options, answer, context));
        });
    return out;
  }

  private List<String> options(JsonNode node, String where) {
    if (optionFields != null) {
      List<String> out = new ArrayList<>();
      for (String f : optionFields) {
        out.add(Sources.optionText(node, f, where));
      }
      return out;
    }
    JsonNode o = node.get(optionsField);
    if (o != null && o.isArray()) {
      if (o.isEmpty() || o.size() > 26) {
        throw new DataFormatException(where + ": field '" + optionsField + "' must hold 1..26 options, has " + o.size());
      }
      List<String> out = new ArrayList<>();
      for (int i = 0; i < o.size(); i++) {
        JsonNode v = o.get(i);
        if (!v.isTextual() || v.textValue().isEmpty()) {
          throw new DataFormatException(where + ": field '" + optionsField + "[" + i + "]' must be a non-empty string");
        }
        out.add(v.textValue());
      }
      return out;
    }
    return Sources.optionsByLetter(node, optionsField, where);
  }

  private String answer(JsonNode node, List<String> options, String where) {
    JsonNode v = node.get(answerField);
    if (v == null || v.isNull()) {
      throw new DataFormatException(where + ": field '" + answerField + "' (the answer) is missing");
    }
    switch (answerEncoding) {
      case LETTER:
        return Sources.answerLetter(Sources.text(node, answerField, where), options.size(), answerField, where);
      case INDEX_0:
      case INDEX_1:
        int base = answerEncoding == AnswerEncoding.INDEX_0 ? 0 : 1;
        if (!v.canConvertToExactIntegral() || v.asInt() < base || v.asInt() >= options.size() + base) {
          throw new DataFormatException(
              where + ": field '" + answerField + "': unknown answer key " + v + ", expected an integer "
                  + base + ".." + (options.size() - 1 + base) + " (" + base + "-based index of the option)");
        }
        return Question.letter(v.asInt() - base);
      case TEXT:
        String text = Sources.text(node, answerField, where);
        int idx = options.indexOf(text);
        if (idx < 0) {
          throw new DataFormatException(
              where + ": field '" + answerField + "': unknown answer key \"" + text + "\" is not the text of any option");
        }
        if (options.lastIndexOf(text) != idx) {
          throw new DataFormatException(
              where + ": field '" + answerField + "': answer text \"" + text + "\" matches several options");
        }
        return Question.letter(idx);
      default:
        throw new IllegalStateException(answerEncoding.name());
    }
  }

  /** Builder; every field has a default (see the class comment), checked at {@link #build()}. */
  public static final class Builder {
    private String benchmark = "jsonl";
    private String idField = "id";
    private String questionField = "question";
    private String optionsField = "options";
    private List<String> optionFields;
    private String answerField = "answer";
    private AnswerEncoding answerEncoding = AnswerEncoding.LETTER;
    private String contextField = "context";

    private Builder() {}

    /** Name stored in {@link Question#benchmark()}. */
    public Builder benchmark(String v) {
      this.benchmark = v;
      return this;
    }

    /** Field holding the id; null numbers questions by line. */
    public Builder idField(String v) {
      this.idField = v;
      return this;
    }

    public Builder questionField(String v) {
      this.questionField = v;
      return this;
    }

    /** One field with an object keyed A, B, ... or an array of option texts. */
    public Builder optionsField(String v) {
      this.optionsField = v;
      return this;
    }

    /** Several fields, one option each, in order (overrides {@link #optionsField}). */
    public Builder optionFields(List<String> v) {
      this.optionFields = v == null ? null : List.copyOf(v);
      return this;
    }

    public Builder answerField(String v) {
      this.answerField = v;
      return this;
    }

    public Builder answerEncoding(AnswerEncoding v) {
      this.answerEncoding = v;
      return this;
    }

    /** Field with supporting text; null for none. Absent or null values give no context. */
    public Builder contextField(String v) {
      this.contextField = v;
      return this;
    }

    public JsonlLoader build() {
      Ensure.notBlank(benchmark, "benchmark");
      Ensure.notBlank(questionField, "questionField");
      Ensure.notBlank(answerField, "answerField");
      Ensure.notNull(answerEncoding, "answerEncoding");
      if (optionFields == null) {
        Ensure.notBlank(optionsField, "optionsField");
      } else if (optionFields.isEmpty() || optionFields.size() > 26) {
        throw new ConfigurationException("optionFields must name 1..26 fields, was " + optionFields.size());
      }
      if (idField != null) {
        Ensure.notBlank(idField, "idField");
      }
      return new JsonlLoader(this);
    }
  }
}
