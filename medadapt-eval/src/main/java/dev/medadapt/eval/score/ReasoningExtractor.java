package dev.medadapt.eval.score;

import dev.medadapt.eval.bench.Question;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the chosen letter from generative output, including reasoning models' output, and never
 * guesses: when no rule applies the result is UNPARSED with the reason (counted wrong, reported on
 * its own).
 *
 * <ol>
 *   <li><b>Reasoning is dropped.</b> Text up to and including the last {@code </think>} is removed
 *       (this also covers R1-style outputs whose opening {@code <think>} was part of the prompt).
 *       Without a {@code </think>}, an opening {@code <think>} starts an unterminated block that runs
 *       to the end (generation hit its token limit) and is dropped too; if nothing is left the
 *       result is UNPARSED {@code unterminated-think}.
 *   <li>{@code json}: the last {@code "answer_choice": "X"} (MedRAG's JSON format), because it is
 *       the structured final answer even when the thinking text mentions other letters.
 *   <li>{@code answer-is}: the last explicit statement — {@code answer is X}, {@code Answer: X},
 *       {@code answer would be (X)}, {@code **Answer:** X}, {@code \boxed{X}}, {@code I would choose
 *       option X} — the last one because
 *       models revise themselves and conclude at the end. The letter must be upper case and stand
 *       alone ({@code Answer: Aspirin} is not "A").
 *   <li>{@code final-line}: the last non-blank line is just a letter, possibly decorated
 *       ({@code B}, {@code (B)}, {@code **B**}, {@code Option B}), or starts with one followed by
 *       {@code .}, {@code )} or {@code :} ({@code B. Tell the attending ...}).
 *   <li>option text: exactly one option's text (ignoring case, surrounding spaces, quotes, markdown
 *       and a final period) equals, in this order, the last {@code answer_choice} value
 *       ({@code json-option-text}: {@code "answer_choice": "yes"}), the rest of the line after the last
 *       "answer is"/"Answer:" ({@code answer-is-option-text}: {@code Answer: maybe}), the whole
 *       remaining text or its last non-blank line ({@code option-text}).
 * </ol>
 *
 * <p>Rules 2 and 3 consider only letters that name one of the question's options ("Answer: I think
 * ..." is not an answer "I"); when they found only such out-of-range letters and rules 4 and 5 find
 * nothing either, the result is UNPARSED {@code letter-out-of-range} with the letter.
 */
public final class ReasoningExtractor implements AnswerExtractor {
  private static final Pattern JSON =
      Pattern.compile("\"answer_choice\"\\s*:\\s*\"\\s*(?:(?i:option)\\s*)?\\(?([A-Z])(?![A-Za-z0-9])");
  private static final Pattern ANSWER_IS =
      Pattern.compile(
          "(?i:answer)(?:\\s+(?i:is|would be|should be|will be|must be))?\\s*[*_]*\\s*(?::|\\s)\\s*[*_]*\\s*"
              + "(?:(?i:option|choice)\\s*)?[(\\[]?\\s*([A-Z])(?![A-Za-z0-9])");
  private static final Pattern CHOOSE =
      Pattern.compile(
          "(?i:I (?:would |will )?(?:choose|select|pick|go with))\\s+(?:(?i:option|choice)\\s*)?[(\\[]?([A-Z])(?![A-Za-z0-9])");
  private static final Pattern BOXED =
      Pattern.compile("\\\\boxed\\{\\s*(?:\\\\text(?:bf)?\\{\\s*)?\\(?([A-Z])(?![A-Za-z0-9])");
  private static final Pattern FINAL_LINE =
      Pattern.compile("(?:(?i:option|choice)\\s*)?[(\\[]?([A-Z])[)\\]]?(?:[.:)]\\s*.*)?", Pattern.DOTALL);
  private static final Pattern JSON_VALUE = Pattern.compile("\"answer_choice\"\\s*:\\s*\"([^\"]*)\"");
  private static final Pattern ANSWER_TAIL =
      Pattern.compile(
          "(?i:answer)(?:\\s+(?i:is|would be|should be|will be|must be))?\\s*[*_]*\\s*(?::|\\s)\\s*[*_]*\\s*(\\S.*)");
  private static final Pattern DECORATION = Pattern.compile("^[\\s*_#>`\"']+|[\\s*_`\"']+$");

  @Override
  public Extraction extract(String output, Question question) {
    if (output == null || output.isBlank()) {
      return Extraction.unparsed("empty-output");
    }
    String text = output;
    int close = text.lastIndexOf("</think>");
    if (close >= 0) {
      text = text.substring(close + "</think>".length());
    } else {
      int open = text.indexOf("<think>");
      if (open >= 0) {
        text = text.substring(0, open);
        if (text.isBlank()) {
          return Extraction.unparsed("unterminated-think");
        }
      }
    }
    if (text.isBlank()) {
      return Extraction.unparsed("empty-after-think");
    }
    int n = question.options().size();

    String outOfRange = null;
    for (String rule : List.of("json", "answer-is")) {
      List<Pattern> patterns = rule.equals("json") ? List.of(JSON) : List.of(ANSWER_IS, BOXED, CHOOSE);
      int bestAt = -1;
      String best = null;
      for (Pattern p : patterns) {
        Matcher m = p.matcher(text);
        while (m.find()) {
          String letter = m.group(1);
          if (letter.charAt(0) - 'A' >= n) {
            outOfRange = rule + " found " + letter;
          } else if (m.start() > bestAt) {
            bestAt = m.start();
            best = letter;
          }
        }
      }
      if (best != null) {
        return Extraction.of(best, rule);
      }
    }
    String lastLine = lastLine(text);
    Matcher fl = FINAL_LINE.matcher(undecorate(lastLine));
    if (fl.matches() && fl.group(1).charAt(0) - 'A' < n) {
      return Extraction.of(fl.group(1), "final-line");
    }
    // option text named by the JSON field, after "answer is", as the whole answer, or as the last line
    List<String[]> candidates = new ArrayList<>();
    String jsonValue = lastGroup(JSON_VALUE, text);
    if (jsonValue != null) {
      candidates.add(new String[] {jsonValue, "json-option-text"});
    }
    String tail = lastGroup(ANSWER_TAIL, text);
    if (tail != null) {
      candidates.add(new String[] {tail, "answer-is-option-text"});
    }
    candidates.add(new String[] {text, "option-text"});
    candidates.add(new String[] {lastLine, "option-text"});
    for (String[] candidate : candidates) {
      String norm = normalize(candidate[0]);
      List<Integer> hits = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (normalize(question.options().get(i)).equals(norm)) {
          hits.add(i);
        }
      }
      if (hits.size() == 1) {
        return Extraction.of(Question.letter(hits.get(0)), candidate[1]);
      }
    }
    if (outOfRange != null) {
      return Extraction.unparsed(
          "letter-out-of-range: " + outOfRange + " but the options are A.." + Question.letter(n - 1));
    }
    return Extraction.unparsed("no-answer-found");
  }

  private static String lastGroup(Pattern p, String text) {
    Matcher m = p.matcher(text);
    String found = null;
    while (m.find()) {
      found = m.group(1);
    }
    return found;
  }

  private static String lastLine(String text) {
    String[] lines = text.split("\\R");
    for (int i = lines.length - 1; i >= 0; i--) {
      if (!lines[i].isBlank()) {
        return lines[i];
      }
    }
    return "";
  }

  private static String undecorate(String s) {
    return DECORATION.matcher(s.strip()).replaceAll("");
  }

  private static String normalize(String s) {
    String t = s.replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    String before;
    do {
      before = t;
      t = undecorate(t);
      if (t.endsWith(".")) {
        t = t.substring(0, t.length() - 1);
      }
    } while (!t.equals(before));
    return t;
  }

}
