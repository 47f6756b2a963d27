package dev.medadapt.eval.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.eval.bench.Question;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A versioned JSONL corpus of model outputs with the answer each one states (format v1: one object a
 * line with {@code id}, {@code family}, {@code options}, {@code output}, {@code expected} = a letter
 * naming one of the options or {@code "unparsed"} when no single answer is stated), and the precision
 * and recall of an extractor over it.
 *
 * <p>Recall is the share of stated answers read as exactly that letter; precision is the share of
 * parsed letters that are right. A letter read from a hedged or answerless output counts against
 * precision only; a wrong letter for a stated answer counts against both.
 */
final class ExtractionCorpus {
  static final String UNPARSED = "unparsed";

  record Case(String id, String family, Question question, String output, String expected, String source) {
    boolean stated() {
      return !UNPARSED.equals(expected);
    }
  }

  /** Counts for one family or the whole corpus. */
  record Counts(int cases, int stated, int found, int missed, int wrongLetter, int falseParse) {
    Counts plus(Counts o) {
      return new Counts(cases + o.cases, stated + o.stated, found + o.found, missed + o.missed,
          wrongLetter + o.wrongLetter, falseParse + o.falseParse);
    }

    int parsed() {
      return found + wrongLetter + falseParse;
    }

    double precision() {
      return parsed() == 0 ? 1.0 : (double) found / parsed();
    }

    double recall() {
      return stated == 0 ? 1.0 : (double) found / stated;
    }
  }

  /** One case's outcome. */
  record Outcome(Case c, Extraction got) {
    boolean ok() {
      return c.stated() ? c.expected().equals(got.letter()) : !got.parsed();
    }

    Counts counts() {
      boolean stated = c.stated();
      boolean right = stated && c.expected().equals(got.letter());
      return new Counts(1, stated ? 1 : 0, right ? 1 : 0, stated && !got.parsed() ? 1 : 0,
          stated && got.parsed() && !right ? 1 : 0, !stated && got.parsed() ? 1 : 0);
    }
  }

  record Result(String name, List<Outcome> outcomes) {
    Counts total() {
      return outcomes.stream().map(Outcome::counts).reduce(new Counts(0, 0, 0, 0, 0, 0), Counts::plus);
    }

    Map<String, Counts> byFamily() {
      Map<String, Counts> m = new TreeMap<>();
      for (Outcome o : outcomes) {
        m.merge(o.c().family(), o.counts(), Counts::plus);
      }
      return m;
    }

    List<Outcome> failures() {
      return outcomes.stream().filter(o -> !o.ok()).toList();
    }

    String report() {
      StringBuilder sb = new StringBuilder();
      Counts t = total();
      sb.append(String.format("%s: %d outputs, %d stated answers: precision %.3f (%d/%d), recall %.3f (%d/%d)%n",
          name, t.cases(), t.stated(), t.precision(), t.found(), t.parsed(), t.recall(), t.found(), t.stated()));
      sb.append(String.format("  %-18s %5s %6s %5s %6s %5s %5s%n", "family", "cases", "stated", "found", "missed", "wrong", "false"));
      byFamily().forEach((f, c) -> sb.append(String.format("  %-18s %5d %6d %5d %6d %5d %5d%n",
          f, c.cases(), c.stated(), c.found(), c.missed(), c.wrongLetter(), c.falseParse())));
      for (Outcome o : failures()) {
        sb.append(String.format("  FAIL %s [%s] expected %s, got %s (%s): %s%n", o.c().id(), o.c().family(),
            o.c().expected(), o.got().parsed() ? o.got().letter() : UNPARSED, o.got().rule(),
            o.c().output().replace("\n", "\\n")));
      }
      return sb.toString();
    }
  }

  private ExtractionCorpus() {}

  static Result run(String name, List<Case> cases, AnswerExtractor extractor) {
    List<Outcome> out = new ArrayList<>();
    for (Case c : cases) {
      out.add(new Outcome(c, extractor.extract(c.output(), c.question())));
    }
    return new Result(name, out);
  }

  /** Reads a corpus resource next to this class, checking every field; errors name resource, line and field. */
  static List<Case> read(String resource) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Case> cases = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    try (InputStream in = ExtractionCorpus.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("extraction corpus " + resource + " not found on the test classpath");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      int no = 0;
      while ((line = r.readLine()) != null) {
        no++;
        if (line.isBlank()) {
          continue;
        }
        String where = resource + ":" + no;
        JsonNode n = json.readTree(line);
        String id = text(n, "id", where);
        String family = text(n, "family", where);
        String output = text(n, "output", where);
        String expected = text(n, "expected", where);
        JsonNode opts = n.get("options");
        if (opts == null || !opts.isArray() || opts.isEmpty()) {
          throw new IOException(where + ": field \"options\" must be a non-empty array of strings");
        }
        List<String> options = new ArrayList<>();
        opts.forEach(o -> options.add(o.asText()));
        if (!ids.add(id)) {
          throw new IOException(where + ": duplicate id \"" + id + "\"");
        }
        boolean letter = expected.length() == 1 && expected.charAt(0) >= 'A' && expected.charAt(0) - 'A' < options.size();
        if (!letter && !UNPARSED.equals(expected)) {
          throw new IOException(where + ": field \"expected\" must be a letter in A.."
              + Question.letter(options.size() - 1) + " or \"unparsed\", was \"" + expected + "\"");
        }
        // the Question needs a gold letter; it is irrelevant to extraction, so use the expected one or A
        Question q = new Question(id, "corpus", "q", options, letter ? expected : "A", null);
        cases.add(new Case(id, family, q, output, expected, where));
      }
    }
    return cases;
  }

  private static String text(JsonNode n, String field, String where) throws IOException {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IOException(where + ": field \"" + field + "\" must be a string");
    }
    return v.asText();
  }
}
