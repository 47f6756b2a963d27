package dev.medadapt.eval.score;

import dev.medadapt.eval.bench.Question;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * <b>Compatibility only.</b> Reproduces MIRAGE's scoring ({@code Teddy-XiongGZ/MIRAGE}
 * {@code src/evaluate.py} and {@code src/utils.py} {@code locate_answer}, commit ddf4a47) exactly, so
 * that accuracies can be compared with published MIRAGE numbers: keep the text after the last
 * {@code "answer_choice": "} (the whole response when absent), strip it, then try ten regexes in
 * MIRAGE's order and return the first match of the first one that matches. When none matches it
 * returns {@code "A"} — MIRAGE's silent default — with rule {@code mirage:default-A}, so reports can
 * count how often that happened. Use {@link ReasoningExtractor} for honest scoring.
 *
 * <p>Python semantics are reproduced: {@code \s} and {@code str.strip()} use Python's Unicode
 * whitespace set, {@code ^} is the start of the string, {@code $} is the end of the string or before a
 * final {@code \n}, and only the letters A-D are recognised whatever the number of options (a
 * BioASQ answer "C" is simply wrong, as in MIRAGE).
 */
public final class MirageExtractor implements AnswerExtractor {
  /** The characters for which Python's {@code str.isspace()} is true ({@code \s} in str patterns). */
  static final String PY_WS = "[\\t\\n\\x0B\\f\\r\\x1C-\\x1F \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";

  private static final String S = PY_WS + "*";
  private static final String END = "(?=\\n?\\z)";
  private static final String L = "(A|B|C|D)";

  private record Rule(String name, Pattern pattern) {}

  /** locate_answer's regexes, in its order. */
  private static final List<Rule> RULES =
      List.of(
          new Rule("letter-only", Pattern.compile("\\A" + S + L + END)),
          new Rule("letter-or", Pattern.compile("\\A" + S + L + " or")),
          new Rule("letter-and", Pattern.compile("\\A" + S + L + " and")),
          new Rule("letter-slash", Pattern.compile("\\A" + S + L + "/")),
          new Rule("letter-comma", Pattern.compile("\\A" + S + L + ",")),
          new Rule("option-letter", Pattern.compile("[Oo]ption " + L)),
          new Rule("colon-letter", Pattern.compile(":" + S + L)),
          new Rule("letter-period", Pattern.compile("\\A" + S + L + "\\.")),
          new Rule("letter-quote", Pattern.compile("\\A" + S + L + "\"")),
          new Rule("letter-colon", Pattern.compile("\\A" + S + L + ":")));

  private static final String MARKER = "\"answer_choice\": \"";

  @Override
  public Extraction extract(String output, Question question) {
    int at = output.lastIndexOf(MARKER);
    String tail = at < 0 ? output : output.substring(at + MARKER.length());
    return locateAnswer(pyStrip(tail));
  }

  /** MIRAGE's {@code locate_answer(sentence)}; the rule says which regex matched. */
  public static Extraction locateAnswer(String sentence) {
    for (Rule r : RULES) {
      Matcher m = r.pattern().matcher(sentence);
      if (m.find()) {
        return Extraction.of(m.group(1), "mirage:" + r.name());
      }
    }
    return Extraction.of("A", DEFAULT_RULE);
  }

  /** The rule name of MIRAGE's silent default answer. */
  public static final String DEFAULT_RULE = "mirage:default-A";

  /** Python's {@code str.strip()} with no argument. */
  static String pyStrip(String s) {
    int b = 0;
    int e = s.length();
    while (b < e && isPySpace(s.charAt(b))) {
      b++;
    }
    while (e > b && isPySpace(s.charAt(e - 1))) {
      e--;
    }
    return s.substring(b, e);
  }

  static boolean isPySpace(char c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680
        || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
        || c == 0x3000;
  }
}
