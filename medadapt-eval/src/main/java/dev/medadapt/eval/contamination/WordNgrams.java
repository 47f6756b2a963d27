package dev.medadapt.eval.contamination;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Word n-grams for overlap checks: text is lower-cased ({@link Locale#ROOT}) and split into tokens
 * that are maximal runs of Unicode letters and digits; punctuation and whitespace only separate
 * tokens. This is the normalisation of the GPT-3 contamination study (Brown et al. 2020, App. C:
 * lower-cased words, punctuation ignored, 13-grams) and of lm-evaluation-harness's decontamination
 * janitor. An n-gram is its tokens joined by single spaces, compared exactly (no hashing, so no
 * false positives from collisions).
 */
public final class WordNgrams {
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

  private WordNgrams() {}

  /** The tokens of {@code text}. */
  public static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  /** The distinct n-grams of {@code text}, in order of first occurrence; empty when it has fewer than n tokens. */
  public static Set<String> ngrams(String text, int n) {
    List<String> t = tokens(text);
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i + n <= t.size(); i++) {
      out.add(String.join(" ", t.subList(i, i + n)));
    }
    return out;
  }
}
