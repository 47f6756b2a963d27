package dev.medadapt.eval.score;

import dev.medadapt.eval.bench.Question;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the chosen letter from generative output, including reasoning models' output, and never
 * guesses: when the output states no single answer the result is UNPARSED with the reason (counted
 * wrong, reported on its own). A wrong letter is worse than an unparsed one, so every rule needs an
 * explicit statement and disagreeing statements are not resolved by picking one.
 *
 * <ol>
 *   <li><b>Reasoning is dropped.</b> Text up to and including the last {@code </think>} is removed
 *       (this also covers R1-style outputs whose opening {@code <think>} was part of the prompt).
 *       Without a {@code </think>}, an opening {@code <think>} starts an unterminated block that runs
 *       to the end (generation hit its token limit) and is dropped too; if nothing is left the
 *       result is UNPARSED {@code unterminated-think}.
 *   <li><b>Statements.</b> Every place where the text states a letter is collected, in three
 *       strengths:
 *       <ul>
 *         <li>final: MedRAG's JSON {@code "answer_choice": "X"} (also {@code "answer"}) ({@code json}),
 *             {@code <answer>X</answer>} ({@code answer-tag}), {@code \boxed{X}} and
 *             {@code \boxed{\text{X}}} ({@code boxed}), {@code Final answer: X} ({@code final-answer});
 *         <li>stated: {@code the answer is (X)}, {@code Answer: X}, {@code **Answer:** X},
 *             {@code the correct answer would be X} ({@code answer-is}); {@code I would choose option X},
 *             {@code I'd go with X} ({@code choose}); {@code the best choice is X}, {@code Correct
 *             option: X}, {@code so choice X} ({@code choice}); {@code Option X is correct},
 *             {@code X is the correct answer} ({@code is-correct}); {@code the most likely diagnosis
 *             is (X)} ({@code conclusion}); {@code not A but C}, {@code not A, it's C} ({@code not-but});
 *         <li>weak: a bold letter when every bold letter in the text is the same one ({@code bold}); the
 *             last or first non-blank line being only a letter ({@code C}, {@code (C)}, {@code **C**},
 *             {@code Option C}, lower case {@code c}) or a letter followed by exactly its option's text
 *             ({@code C. Warfarin}, {@code c) warfarin}), unless the neighbouring line is another option
 *             line (an echoed option list) ({@code final-line}, {@code first-line}).
 *       </ul>
 *       A letter must stand alone: {@code A patient}, {@code I think}, {@code A-fib}, {@code Vitamin D}
 *       and {@code e.g.} are words. Upper-case {@code A} and {@code I} and every lower-case letter
 *       followed by a word count only when that word is a connective ({@code because}, {@code since},
 *       ...). Letters that name no option ({@code The answer is E} with four options) are set aside.
 *   <li><b>Resolution.</b> The strongest kind present decides; stated letters before the last final
 *       statement are superseded by it, stated letters after it compete with it. If the competing
 *       statements name one letter, that is the answer. If they disagree, the last one wins only when
 *       the text revises itself in between ({@code wait}, {@code actually}, {@code hmm}, {@code on
 *       second thought}, ...); otherwise the result is UNPARSED {@code conflicting-answers}. A
 *       statement naming several letters ({@code either A or B}, {@code A and D}, {@code A/B}) is a
 *       hedge: UNPARSED {@code hedged} unless revised later.
 *   <li><b>Option text.</b> With no statement, the option's text stands for its letter when exactly
 *       one option (ignoring case, markdown and a final period; an option named after {@code not} or
 *       {@code rather than} does not count) is: the JSON or tag value ({@code json-option-text}); the
 *       rest after {@code answer is}/{@code Answer:} ({@code answer-is-option-text}, e.g. PubMedQA's
 *       {@code Answer: maybe}); the whole text, its first or last line ({@code option-text}); or the
 *       subject or complement of a concluding sentence ({@code The most likely diagnosis is acute
 *       pancreatitis.}, {@code Ethosuximide is the drug of choice ...}) ({@code conclusion-option-text}); or
 *       the complement of the closing sentence when its subject names no option ({@code Otitis externa
 *       in a diabetic is caused by Pseudomonas aeruginosa.}) ({@code closing-option-text}).
 * </ol>
 *
 * <p>When only out-of-range letters were found and nothing else applies, the result is UNPARSED
 * {@code letter-out-of-range} with the letter. Measured on the extraction corpus in the test resources
 * ({@code extraction-corpus.v1.jsonl}, {@code extraction-heldout.v1.jsonl}; see docs/evaluation.md).
 */
public final class ReasoningExtractor implements AnswerExtractor {
  private enum Strength { WEAK, STATED, FINAL }

  /** One place where the text states an answer; {@code letters} has several entries for a hedge. */
  private record Statement(int at, int end, List<String> letters, Strength strength, String rule) {
    boolean hedge() {
      return letters.size() > 1;
    }
  }

  /** A letter that stands alone, optionally decorated: {@code C}, {@code (C)}, {@code **C}, {@code $\text{C}}. */
  private static final String LETTER =
      "(?:(?i:option|choice)\\s*)?[*_$(\\[{\"'`]*(?:\\\\(?:text|textbf|mathrm|mathbf)\\{)?\\(?"
          + "(?<l>[A-Za-z])(?![A-Za-z0-9\\-'\u2019]|\\.[A-Za-z0-9])";
  private static final String SEP = "[\\s*_]*";
  private static final int I = Pattern.CASE_INSENSITIVE;

  private record Cue(String rule, Strength strength, Pattern pattern) {}

  private static final List<Cue> CUES =
      List.of(
          new Cue("json", Strength.FINAL,
              Pattern.compile("\"(?i:answer_choice|answer|final_answer)\"\\s*:\\s*\"\\s*" + LETTER)),
          new Cue("answer-tag", Strength.FINAL, Pattern.compile("(?i:<answer>)\\s*" + LETTER)),
          new Cue("boxed", Strength.FINAL, Pattern.compile("\\\\boxed\\{\\s*" + LETTER)),
          new Cue("final-answer", Strength.FINAL,
              Pattern.compile("(?i:\\bfinal\\s+answer)(?:\\s+(?i:is))?" + SEP + "[:\uff1a\\-\u2013\u2014=]?" + SEP + LETTER)),
          new Cue("answer-is", Strength.STATED,
              Pattern.compile("(?i:\\banswer(?:\\s+(?:here|to this question|in this case))?)" + SEP
                  + "(?:[:\uff1a=\\-\u2013\u2014]|\\s(?i:is|would be|should be|will be|must be|seems to be|appears to be)\\b)"
                  + "(?:\\s+(?i:clearly|therefore|thus|definitely|likely|probably))?[\\s*_:]*" + LETTER)),
          new Cue("choose", Strength.STATED,
              Pattern.compile("(?i:\\b(?:I(?:'d|'ll| would| will)?|we(?:'d| would)?|I'm|I am)\\s+"
                  + "(?:going\\s+)?(?:choose|choosing|select|selecting|pick|picking|go with|going with|opt for))\\s+"
                  + LETTER)),
          new Cue("choice", Strength.STATED,
              Pattern.compile("(?i:\\b(?:correct|best|right|my|final|most appropriate)\\s+(?:choice|option|pick|selection)"
                  + "(?:\\s+(?:is|would be|here is))?)" + SEP + ":?" + SEP + LETTER)),
          new Cue("choice", Strength.STATED,
              Pattern.compile("(?i:\\b(?:so|thus|hence|therefore),?\\s+(?:choice|option))\\s+" + LETTER)),
          new Cue("is-correct", Strength.STATED,
              Pattern.compile("(?:^|(?<=[\\s(*>]))" + LETTER + "[)\\]*]*\\s+(?i:is\\s+(?:the\\s+)?(?:correct|right|best)"
                  + "(?:\\s+(?:answer|option|choice|one))?)(?=\\s*(?:[.!,;:)]|$|\\s+(?i:because|since|as|here)\\b))",
                  Pattern.MULTILINE)),
          new Cue("conclusion", Strength.STATED,
              Pattern.compile("(?i:\\b(?:most likely|most appropriate|best|correct|preferred|likeliest)\\b)[^.\\n:]{0,60}?"
                  + "(?:\\s(?i:is|would be)\\s|:\\s*)" + SEP + LETTER)),
          new Cue("not-but", Strength.STATED,
              Pattern.compile("(?i:\\bnot)\\s+" + LETTER.replace("<l>", "<x>") + "[)\\]*]*(?:\\s*\\([^)\\n]{0,60}\\))?\\s*[,;]?\\s*"
                  + "(?i:but(?:\\s+rather)?|rather|it'?s|it is)\\s+" + LETTER)));

  /** A second letter after a stated one makes it a hedge: {@code A or B}, {@code A and D}, {@code A/B}. */
  private static final Pattern ALSO =
      Pattern.compile("\\A\\s*[)\\]*]*\\s*,?\\s*(?i:or|and|/|&)\\s*(?i:either\\s+)?" + LETTER
          + "(?!\\s+(?i:is|are|was|were|would|could|can|may)\\b)");
  private static final Pattern BOLD =
      Pattern.compile("\\*\\*\\s*(?:(?i:option)\\s+)?\\(?([A-Z])\\)?(?:[.):]\\s*([^*\\n]{1,120}?))?\\s*\\*\\*"
          + "(?!\\s+(?i:is|would be)\\s+(?i:not|wrong|incorrect)\\b)");
  private static final Pattern LINE_LETTER =
      Pattern.compile("(?:(?i:option|choice|answer)\\s*:?\\s*)?[(\\[]?([A-Za-z])[)\\]]?[.:]?");
  private static final Pattern LINE_LETTER_TEXT = Pattern.compile("[(\\[]?([A-Za-z])[)\\]]?[.):]\\s+(.+)");
  private static final Pattern OPTION_LINE = Pattern.compile("[(\\[]?[A-Za-z][).:\\]]\\s+\\S.*");
  private static final Pattern REVISION =
      Pattern.compile("(?i:\\b(?:wait|actually|hmm+|on second thought|correction|reconsider(?:ing)?|re-?evaluat\\w*|"
          + "rethink\\w*|scratch that|I was wrong|my mistake|no,)(?![\\w-]))");
  /** A word after a letter on the same line, unless it is a connective: {@code A patient}, {@code I think}. */
  private static final Pattern WORD_AFTER =
      Pattern.compile("\\A[ \\t]+(?!(?i:because|since|as|given|due|rather|instead|over|here|is|and|or|not)\\b)[\\p{L}\\p{N}]");
  private static final Pattern DECORATION = Pattern.compile("^[\\s*_#>`\"'\\-\u2022]+|[\\s*_`\"']+$");
  private static final Pattern JSON_VALUE = Pattern.compile("\"(?i:answer_choice|answer|final_answer)\"\\s*:\\s*\"([^\"]*)\"");
  private static final Pattern TAG_VALUE = Pattern.compile("(?is:<answer>(.*?)</answer>)");
  private static final Pattern ANSWER_TAIL =
      Pattern.compile("(?i:\\banswer)(?:\\s+(?i:is|would be|should be|will be|must be))?" + SEP
          + "(?::|\\s(?i:is)\\b|\\s)" + SEP + "(\\S[^\\n]*)");
  private static final Pattern SENTENCE = Pattern.compile("\\R|(?<=[.!?])\\s+");
  private static final Pattern COPULA = Pattern.compile("(?i)\\s(?:is|are|would be|remains|is likely)\\s");
  private static final Pattern CONCLUDING_HEAD =
      Pattern.compile("(?i)\\b(?:most likely|most appropriate|best|next step|correct|preferred|diagnosis|answer|"
          + "choice|therefore|thus|hence|so|first[- ]line|initial)\\b");
  private static final Pattern CONCLUDING_TAIL =
      Pattern.compile("(?i)^(?:the\\s+|a\\s+)?(?:most likely|most appropriate|best|correct|right|preferred|answer|"
          + "diagnosis|drug of choice|treatment of choice|first[- ]line|likeliest)\\b");
  private static final Pattern NOT_FIRST = Pattern.compile("(?i)(?:not|never|unlikely|rarely)\\b");
  private static final Pattern NEGATED = Pattern.compile("(?i)(?:\\bnot|\\brather than|\\binstead of|\\bexcept)\\s*$");

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
    List<String> outOfRange = new ArrayList<>();
    List<Statement> statements = statements(text, question.options(), outOfRange);
    Extraction decided = resolve(text, statements);
    if (decided != null) {
      return decided;
    }
    Extraction byText = optionText(text, question);
    if (byText != null) {
      return byText;
    }
    if (!outOfRange.isEmpty()) {
      return Extraction.unparsed("letter-out-of-range: " + String.join(", ", outOfRange)
          + " but the options are A.." + Question.letter(n - 1));
    }
    return Extraction.unparsed("no-answer-found");
  }

  // ---------------------------------------------------------------- statements

  private static List<Statement> statements(String text, List<String> options, List<String> outOfRange) {
    int n = options.size();
    List<Statement> out = new ArrayList<>();
    for (Cue cue : CUES) {
      Matcher m = cue.pattern().matcher(text);
      while (m.find()) {
        int at = m.start("l");
        if (!standsAlone(text, m.end("l"), m.group("l"))) {
          continue;
        }
        List<String> letters = new ArrayList<>();
        letters.add(m.group("l").toUpperCase(Locale.ROOT));
        int end = m.end();
        Matcher also = ALSO.matcher(text).region(m.end("l"), text.length());
        while (also.lookingAt() && standsAlone(text, also.end("l"), also.group("l"))) {
          letters.add(also.group("l").toUpperCase(Locale.ROOT));
          end = also.end();
          also.region(also.end(), text.length());
        }
        List<String> valid = letters.stream().filter(l -> l.charAt(0) - 'A' < n).distinct().toList();
        if (valid.isEmpty()) {
          outOfRange.add(cue.rule() + " found " + String.join("/", letters));
          continue;
        }
        out.add(new Statement(at, end, letters.size() > 1 ? letters : valid, cue.strength(), cue.rule()));
      }
    }
    Statement bold = bold(text, n);
    if (bold != null) {
      out.add(bold);
    }
    addLineStatement(text, options, true, out);
    addLineStatement(text, options, false, out);
    // one statement per position: a letter found by several cues counts once, by the strongest
    out.sort(Comparator.comparingInt(Statement::at).thenComparing(s -> -s.strength().ordinal()));
    List<Statement> unique = new ArrayList<>();
    for (Statement s : out) {
      if (unique.isEmpty() || unique.get(unique.size() - 1).at() != s.at()) {
        unique.add(s);
      }
    }
    return unique;
  }

  /** Upper-case letters other than A and I stand alone by the pattern; the others must not be followed by a word other than a connective. */
  private static boolean standsAlone(String text, int end, String letter) {
    char c = letter.charAt(0);
    if (c != 'A' && c != 'I' && Character.isUpperCase(c)) {
      return true;
    }
    return !WORD_AFTER.matcher(text).region(end, text.length()).lookingAt();
  }

  private static Statement bold(String text, int n) {
    Matcher m = BOLD.matcher(text);
    Set<String> letters = new LinkedHashSet<>();
    int at = -1;
    while (m.find()) {
      letters.add(m.group(1));
      at = m.start(1);
    }
    if (letters.size() != 1) {
      return null;
    }
    String l = letters.iterator().next();
    return l.charAt(0) - 'A' < n ? new Statement(at, at + 1, List.of(l), Strength.WEAK, "bold") : null;
  }

  private static void addLineStatement(String text, List<String> options, boolean last, List<Statement> out) {
    int n = options.size();
    String[] lines = text.split("\\R", -1);
    int idx = -1;
    for (int k = 0; k < lines.length; k++) {
      int i = last ? lines.length - 1 - k : k;
      if (!lines[i].isBlank()) {
        idx = i;
        break;
      }
    }
    if (idx < 0) {
      return;
    }
    String line = undecorate(lines[idx]);
    String letter = null;
    Matcher bare = LINE_LETTER.matcher(line);
    if (bare.matches()) {
      letter = bare.group(1);
    } else {
      Matcher lt = LINE_LETTER_TEXT.matcher(line);
      int i = lt.matches() ? Character.toUpperCase(lt.group(1).charAt(0)) - 'A' : -1;
      if (i >= 0 && i < n && normalize(lt.group(2)).equals(normalize(options.get(i)))) {
        letter = lt.group(1);
      }
    }
    if (letter == null || neighbourIsOptionLine(lines, idx)) {
      return;
    }
    String up = letter.toUpperCase(Locale.ROOT);
    if (up.charAt(0) - 'A' < n) {
      int at = offsetOfLine(lines, idx);
      out.add(new Statement(at, at + lines[idx].length(), List.of(up), Strength.WEAK, last ? "final-line" : "first-line"));
    }
  }

  private static boolean neighbourIsOptionLine(String[] lines, int idx) {
    for (int step : new int[] {-1, 1}) {
      for (int j = idx + step; j >= 0 && j < lines.length; j += step) {
        if (!lines[j].isBlank()) {
          if (OPTION_LINE.matcher(undecorate(lines[j])).matches()) {
            return true;
          }
          break;
        }
      }
    }
    return false;
  }

  private static int offsetOfLine(String[] lines, int idx) {
    int at = 0;
    for (int i = 0; i < idx; i++) {
      at += lines[i].length() + 1;
    }
    return at;
  }

  // ---------------------------------------------------------------- resolution

  private static Extraction resolve(String text, List<Statement> statements) {
    if (statements.isEmpty()) {
      return null;
    }
    Strength top = statements.stream().map(Statement::strength).max(Comparator.naturalOrder()).orElseThrow();
    List<Statement> competing = new ArrayList<>();
    if (top == Strength.WEAK) {
      competing.addAll(statements);
    } else {
      int lastFinal = -1;
      for (Statement s : statements) {
        if (s.strength() == Strength.FINAL) {
          lastFinal = s.at();
        }
      }
      for (Statement s : statements) {
        if (s.strength() == Strength.FINAL || (s.strength() == Strength.STATED && s.at() > lastFinal)) {
          competing.add(s);
        }
      }
    }
    Statement last = competing.get(competing.size() - 1);
    Statement lastOther = null;
    for (Statement s : competing) {
      if (!s.letters().equals(last.letters())) {
        lastOther = s;
      }
    }
    boolean revised = lastOther != null && REVISION.matcher(text.substring(lastOther.end(), Math.max(lastOther.end(), last.at()))).find();
    if (lastOther != null && !revised) {
      Set<String> named = new LinkedHashSet<>();
      competing.forEach(s -> named.add(String.join(" or ", s.letters())));
      return Extraction.unparsed("conflicting-answers: " + String.join(", ", named));
    }
    if (last.hedge()) {
      return Extraction.unparsed("hedged: " + String.join(" or ", last.letters()));
    }
    return Extraction.of(last.letters().get(0), last.rule());
  }

  // ---------------------------------------------------------------- option text

  private static Extraction optionText(String text, Question question) {
    List<String[]> exact = new ArrayList<>();
    String json = lastGroup(JSON_VALUE, text);
    if (json != null) {
      exact.add(new String[] {json, "json-option-text"});
    }
    String tag = lastGroup(TAG_VALUE, text);
    if (tag != null) {
      exact.add(new String[] {tag, "json-option-text"});
    }
    String tail = lastGroup(ANSWER_TAIL, text);
    if (tail != null) {
      exact.add(new String[] {tail, "answer-is-option-text"});
    }
    exact.add(new String[] {text, "option-text"});
    String[] lines = text.strip().split("\\R");
    exact.add(new String[] {lines[lines.length - 1], "option-text"});
    String[] sentences = SENTENCE.split(text.strip());
    exact.add(new String[] {sentences[0].replaceAll("[.,:;!]+\\s*$", ""), "option-text"});
    for (String[] candidate : exact) {
      int hit = uniqueEqual(candidate[0], question.options());
      if (hit >= 0) {
        return Extraction.of(Question.letter(hit), candidate[1]);
      }
    }
    if (tail != null) {
      List<Integer> named = mentioned(tail, question.options());
      if (named.size() == 1) {
        return Extraction.of(Question.letter(named.get(0)), "answer-is-option-text");
      }
      if (named.size() > 1) {
        return null;
      }
    }
    for (int k = sentences.length - 1; k >= 0; k--) {
      String s = sentences[k];
      Matcher cop = COPULA.matcher(s);
      if (!cop.find()) {
        continue;
      }
      String head = s.substring(0, cop.start());
      String rest = s.substring(cop.end()).strip();
      List<Integer> named = List.of();
      if (CONCLUDING_HEAD.matcher(head).find()) {
        named = mentioned(rest, question.options());
      }
      if (named.isEmpty() && CONCLUDING_TAIL.matcher(rest).find()) {
        named = mentioned(head, question.options());
      }
      if (named.size() == 1) {
        return Extraction.of(Question.letter(named.get(0)), "conclusion-option-text");
      }
      if (named.size() > 1) {
        return null;
      }
    }
    // the closing sentence states a fact whose complement is one option: "... is caused by Pseudomonas aeruginosa."
    String closing = sentences[sentences.length - 1];
    Matcher cop = COPULA.matcher(closing);
    if (cop.find() && mentioned(closing.substring(0, cop.start()), question.options()).isEmpty()) {
      String rest = closing.substring(cop.end()).strip();
      List<Integer> named = NOT_FIRST.matcher(rest).lookingAt() ? List.of() : mentioned(rest, question.options());
      if (named.size() == 1) {
        return Extraction.of(Question.letter(named.get(0)), "closing-option-text");
      }
    }
    return null;
  }

  private static int uniqueEqual(String candidate, List<String> options) {
    String norm = normalize(candidate);
    int hit = -1;
    for (int i = 0; i < options.size(); i++) {
      if (normalize(options.get(i)).equals(norm)) {
        if (hit >= 0) {
          return -1;
        }
        hit = i;
      }
    }
    return hit;
  }

  /** Options named in {@code span} as whole phrases, not negated, not inside a longer named option. */
  private static List<Integer> mentioned(String span, List<String> options) {
    String s = span.replaceAll("[*_`]", "").replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    List<int[]> hits = new ArrayList<>();
    for (int i = 0; i < options.size(); i++) {
      String o = normalize(options.get(i));
      if (o.isEmpty()) {
        continue;
      }
      Matcher m = Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(o) + "(?![\\p{L}\\p{N}])").matcher(s);
      while (m.find()) {
        if (!NEGATED.matcher(s.substring(0, m.start())).find()) {
          hits.add(new int[] {i, m.start(), m.end()});
        }
      }
    }
    Set<Integer> named = new LinkedHashSet<>();
    for (int[] h : hits) {
      boolean inside = hits.stream().anyMatch(g -> g != h && g[1] <= h[1] && g[2] >= h[2] && g[2] - g[1] > h[2] - h[1]);
      if (!inside) {
        named.add(h[0]);
      }
    }
    return new ArrayList<>(named);
  }

  private static String lastGroup(Pattern p, String text) {
    Matcher m = p.matcher(text);
    String found = null;
    while (m.find()) {
      found = m.group(1);
    }
    return found;
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
