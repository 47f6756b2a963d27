package dev.medadapt.core.chat.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Python {@code str} methods with CPython semantics, for chat templates written against Jinja2 (where
 * {@code content.split('</think>')[-1]} keeps trailing empty pieces, unlike Java's
 * {@code String.split}, which also takes a regex).
 */
public final class PyStrings {
  private PyStrings() {}

  /** Python's {@code str.isspace} for one character (Unicode whitespace incl. NBSP). */
  public static boolean isSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
  }

  /** {@code s.split(sep, maxsplit)}; {@code sep == null} splits on whitespace runs. */
  public static List<String> split(String s, String sep, int maxSplit) {
    List<String> out = new ArrayList<>();
    if (sep == null) {
      int i = 0;
      int n = s.length();
      int splits = 0;
      while (true) {
        while (i < n && isSpace(s.charAt(i))) {
          i++;
        }
        if (i >= n) {
          break;
        }
        if (maxSplit >= 0 && splits >= maxSplit) {
          // The remainder keeps its trailing whitespace, as in CPython.
          out.add(s.substring(i));
          break;
        }
        int j = i;
        while (j < n && !isSpace(s.charAt(j))) {
          j++;
        }
        out.add(s.substring(i, j));
        splits++;
        i = j;
      }
      return out;
    }
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    int from = 0;
    int splits = 0;
    while (maxSplit < 0 || splits < maxSplit) {
      int k = s.indexOf(sep, from);
      if (k < 0) {
        break;
      }
      out.add(s.substring(from, k));
      from = k + sep.length();
      splits++;
    }
    out.add(s.substring(from));
    return out;
  }

  /** {@code s.rsplit(sep, maxsplit)}. */
  public static List<String> rsplit(String s, String sep, int maxSplit) {
    if (maxSplit < 0) {
      return split(s, sep, -1);
    }
    List<String> out = new ArrayList<>();
    if (sep == null) {
      int j = s.length();
      int splits = 0;
      while (true) {
        while (j > 0 && isSpace(s.charAt(j - 1))) {
          j--;
        }
        if (j <= 0) {
          break;
        }
        if (splits >= maxSplit) {
          out.add(0, s.substring(0, j));
          break;
        }
        int i = j;
        while (i > 0 && !isSpace(s.charAt(i - 1))) {
          i--;
        }
        out.add(0, s.substring(i, j));
        splits++;
        j = i;
      }
      return out;
    }
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    int end = s.length();
    int splits = 0;
    while (splits < maxSplit) {
      int k = s.lastIndexOf(sep, end - sep.length());
      if (k < 0) {
        break;
      }
      out.add(0, s.substring(k + sep.length(), end));
      end = k;
      splits++;
    }
    out.add(0, s.substring(0, end));
    return out;
  }

  /** {@code s.strip(chars)}, {@code lstrip}, {@code rstrip}; {@code chars == null} strips whitespace. */
  public static String strip(String s, String chars, boolean left, boolean right) {
    int i = 0;
    int j = s.length();
    if (left) {
      while (i < j && stripped(s.charAt(i), chars)) {
        i++;
      }
    }
    if (right) {
      while (j > i && stripped(s.charAt(j - 1), chars)) {
        j--;
      }
    }
    return s.substring(i, j);
  }

  private static boolean stripped(char c, String chars) {
    return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
  }

  /** {@code s.startswith(prefix)} where prefix may be a string or a list/tuple of strings. */
  public static boolean startsWith(String s, Object prefix) {
    if (prefix instanceof Collection<?> c) {
      return c.stream().anyMatch(p -> s.startsWith(String.valueOf(p)));
    }
    return s.startsWith(String.valueOf(prefix));
  }

  /** {@code s.endswith(suffix)} where suffix may be a string or a list/tuple of strings. */
  public static boolean endsWith(String s, Object suffix) {
    if (suffix instanceof Collection<?> c) {
      return c.stream().anyMatch(p -> s.endsWith(String.valueOf(p)));
    }
    return s.endsWith(String.valueOf(suffix));
  }

  /** {@code s.title()}: first letter of each cased run upper, the rest lower. */
  public static String title(String s) {
    StringBuilder b = new StringBuilder(s.length());
    boolean prevCased = false;
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      boolean cased = Character.isLetter(c);
      b.append(cased ? (prevCased ? Character.toLowerCase(c) : Character.toTitleCase(c)) : c);
      prevCased = cased;
    }
    return b.toString();
  }

  /** {@code s.capitalize()}. */
  public static String capitalize(String s) {
    if (s.isEmpty()) {
      return s;
    }
    return Character.toTitleCase(s.charAt(0)) + s.substring(1).toLowerCase(Locale.ROOT);
  }

  /** {@code s.replace(old, new, count)}; {@code count < 0} replaces all. */
  public static String replace(String s, String old, String rep, int count) {
    if (count < 0) {
      return s.replace(old, rep);
    }
    StringBuilder b = new StringBuilder();
    int from = 0;
    for (int done = 0; done < count; done++) {
      int k = s.indexOf(old, from);
      if (k < 0) {
        break;
      }
      b.append(s, from, k).append(rep);
      from = k + old.length();
      if (old.isEmpty()) {
        if (from >= s.length()) {
          break;
        }
        b.append(s.charAt(from));
        from++;
      }
    }
    return b.append(s.substring(from)).toString();
  }

  /** {@code s.count(sub)} (non-overlapping). */
  public static int count(String s, String sub) {
    if (sub.isEmpty()) {
      return s.length() + 1;
    }
    int c = 0;
    for (int k = s.indexOf(sub); k >= 0; k = s.indexOf(sub, k + sub.length())) {
      c++;
    }
    return c;
  }

  /** {@code s.splitlines()} (without keepends). */
  public static List<String> splitLines(String s) {
    List<String> out = new ArrayList<>();
    int start = 0;
    int n = s.length();
    int k = 0;
    while (k < n) {
      char c = s.charAt(k);
      if (c == '\n' || c == '\r' || c == '\u000b' || c == '\u000c' || c == '\u001c' || c == '\u001d'
          || c == '\u001e' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
        out.add(s.substring(start, k));
        if (c == '\r' && k + 1 < n && s.charAt(k + 1) == '\n') {
          k++;
        }
        start = k + 1;
      }
      k++;
    }
    if (start < n) {
      out.add(s.substring(start));
    }
    return out;
  }
}
