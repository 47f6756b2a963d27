package dev.medadapt.eval.score;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.eval.bench.Question;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The extraction corpus (format v1): JSON Lines of model outputs, each with the answer it states.
 * One object a line with {@code id}, {@code family} (the phrasing family), {@code options} (an object
 * whose keys are the consecutive letters {@code A, B, ...} and whose values are the option texts),
 * {@code output} (the generated text) and {@code expected} (the letter the output states, or
 * {@code "unparsed"} when it states no single answer: hedges, refusals, conflicting answers,
 * truncation before the answer).
 *
 * <p>Precision is the share of parsed letters that are the stated one (a letter read from an output
 * that states none, or the wrong letter, counts against it); recall is the share of stated answers
 * read as exactly their letter.
 */
final class ExtractionCorpus {
  static final String UNPARSED = "unparsed";
  private static final ObjectMapper JSON = new ObjectMapper();

  record Case(String id, String family, Question question, String output, String expected, String where) {
    boolean stated() {
      return !UNPARSED.equals(expected);
    }
  }

  /** Counts over one family or the whole corpus. */
  record Counts(int cases, int stated, int found, int wrongLetter, int falseParse) {
    static final Counts ZERO = new Counts(0, 0, 0, 0, 0);

    Counts plus(Counts o) {
      return new Counts(cases + o.cases, stated + o.stated, found + o.found, wrongLetter + o.wrongLetter,
          falseParse + o.falseParse);
    }

    int parsed() {
      return found + wrongLetter + falseParse;
    }

    int missed() {
      return stated - found - wrongLetter;
    }

    double precision() {
      return parsed() == 0 ? 1.0 : (double) found / parsed();
    }

    double recall() {
      return stated == 0 ? 1.0 : (double) found / stated;
    }
  }

  record Outcome(Case c, Extraction got) {
    boolean ok() {
      return c.stated() ? c.expected().equals(got.letter()) : !got.parsed();
    }

    Counts counts() {
      boolean right = c.stated() && c.expected().equals(got.letter());
      return new Counts(1, c.stated() ? 1 : 0, right ? 1 : 0, c.stated() && got.parsed() && !right ? 1 : 0,
          !c.stated() && got.parsed() ? 1 : 0);
    }
  }

  record Result(String name, List<Outcome> outcomes) {
    Counts total() {
      return outcomes.stream().map(Outcome::counts).reduce(Counts.ZERO, Counts::plus);
    }

    Map<String, Counts> byFamily() {
      Map<String, Counts> m = new TreeMap<>();
      for (Outcome o : outcomes) {
        m.merge(o.c().family(), o.counts(), Counts::plus);
      }
      return m;
    }

    /** A table by family and overall, then every case the extractor got wrong. */
    String report() {
      StringBuilder sb = new StringBuilder(name).append('\n');
      sb.append(String.format(Locale.ROOT, "%-16s %5s %6s %5s %6s %5s %9s %6s%n",
          "family", "cases", "stated", "found", "missed", "wrong", "precision", "recall"));
      byFamily().forEach((f, c) -> sb.append(line(f, c)));
      sb.append(line("overall", total()));
      for (Outcome o : outcomes) {
        if (!o.ok()) {
          sb.append(String.format(Locale.ROOT, "  FAIL %s (%s) expected %s, got %s [%s]%n", o.c().id(), o.c().where(),
              o.c().expected(), o.got().parsed() ? o.got().letter() : UNPARSED, o.got().rule()));
        }
      }
      return sb.toString();
    }

    private static String line(String label, Counts c) {
      return String.format(Locale.ROOT, "%-16s %5d %6d %5d %6d %5d %9.3f %6.3f%n", label, c.cases(), c.stated(),
          c.found(), c.missed(), c.wrongLetter() + c.falseParse(), c.precision(), c.recall());
    }
  }

  private ExtractionCorpus() {}

  /** Reads a corpus from this package's test resources; every error names {@code resource:line} and the field. */
  static List<Case> read(String resource) {
    InputStream in = ExtractionCorpus.class.getResourceAsStream(resource);
    if (in == null) {
      throw new DataFormatException("extraction corpus " + resource + " not found next to " + ExtractionCorpus.class.getName());
    }
    List<Case> cases = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String row;
      int lineNo = 0;
      while ((row = r.readLine()) != null) {
        lineNo++;
        if (row.isBlank()) {
          continue;
        }
        Case c = parse(resource + ":" + lineNo, row);
        if (!ids.add(c.id())) {
          throw new DataFormatException(c.where() + ": duplicate \"id\" " + c.id());
        }
        cases.add(c);
      }
    } catch (IOException e) {
      throw new DataFormatException("cannot read extraction corpus " + resource, e);
    }
    if (cases.isEmpty()) {
      throw new DataFormatException(resource + ": no cases");
    }
    return cases;
  }

  static Case parse(String where, String row) {
    JsonNode n;
    try {
      n = JSON.readTree(row);
    } catch (JsonProcessingException e) {
      throw new DataFormatException(where + ": not a JSON object: " + e.getOriginalMessage());
    }
    if (n == null || !n.isObject()) {
      throw new DataFormatException(where + ": not a JSON object");
    }
    String id = text(n, "id", where);
    String family = text(n, "family", where);
    String output = text(n, "output", where);
    String expected = text(n, "expected", where);
    JsonNode opts = n.get("options");
    if (opts == null || !opts.isObject() || opts.isEmpty()) {
      throw new DataFormatException(where + ": field \"options\" must be an object of letter -> option text");
    }
    List<String> options = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = opts.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String letter = Question.letter(options.size());
      if (!e.getKey().equals(letter)) {
        throw new DataFormatException(where + ": field \"options\": key \"" + e.getKey() + "\" where " + letter
            + " was expected (letters must run A, B, C, ... in order)");
      }
      if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
        throw new DataFormatException(where + ": field \"options\"." + letter + " must be a non-empty string");
      }
      options.add(e.getValue().asText());
    }
    String last = Question.letter(options.size() - 1);
    if (!UNPARSED.equals(expected) && (expected.length() != 1 || expected.charAt(0) < 'A' || expected.charAt(0) > last.charAt(0))) {
      throw new DataFormatException(where + ": field \"expected\" must be a letter in A.." + last + " or \""
          + UNPARSED + "\", was \"" + expected + "\"");
    }
    // the question's own answer is irrelevant to extraction; any valid letter will do
    Question q = new Question(id, "extraction-corpus", "", options, "A", null);
    return new Case(id, family, q, output, expected, where);
  }

  private static String text(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new DataFormatException(where + ": field \"" + field + "\" must be a string"
          + (v == null ? " (missing)" : ", was " + v.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    if (!"output".equals(field) && v.asText().isBlank()) {
      throw new DataFormatException(where + ": field \"" + field + "\" is empty");
    }
    return v.asText();
  }

  static Result run(String name, List<Case> cases, AnswerExtractor extractor) {
    List<Outcome> out = new ArrayList<>();
    for (Case c : cases) {
      out.add(new Outcome(c, extractor.extract(c.output(), c.question())));
    }
    return new Result(name, out);
  }
}
