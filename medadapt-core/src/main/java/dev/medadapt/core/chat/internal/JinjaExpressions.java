package dev.medadapt.core.chat.internal;

import java.util.Set;

/**
 * Rewrites of Jinja2 expression syntax that Jinjava 2.8 parses differently.
 *
 * <p>Jinja2 gives {@code not} a lower precedence than comparisons and tests ({@code not a == b}
 * is {@code not (a == b)}; jinja2/parser.py {@code parse_not} → {@code parse_compare}), while
 * Jinjava applies it to the next operand only, so {@code not a == b} fails and
 * {@code not x is none} tests the wrong thing. {@link #groupNot} puts the operand of every unary
 * {@code not} in parentheses, up to the next top-level {@code and}, {@code or}, {@code if},
 * {@code else}, comma or closing bracket.
 */
public final class JinjaExpressions {
  private static final Set<String> STOP_WORDS = Set.of("and", "or", "if", "else");

  private JinjaExpressions() {}

  /** The tag body with the operand of each unary {@code not} parenthesized. */
  public static String groupNot(String body) {
    int n = body.length();
    int i = 0;
    while (i < n) {
      char c = body.charAt(i);
      if (c == '\'' || c == '"') {
        i = skipLiteral(body, i);
        continue;
      }
      if (isWordStart(c) && (i == 0 || !isWordPart(body.charAt(i - 1)))) {
        int e = wordEnd(body, i);
        String word = body.substring(i, e);
        if (word.equals("not") && isUnaryNot(body, i, e)) {
          int end = operandEnd(body, e);
          String operand = body.substring(e, end);
          if (operand.isBlank()) {
            return body; // malformed; let the parser report it
          }
          return body.substring(0, i) + "not (" + groupNot(operand).trim() + ")"
              + (end < n && !Character.isWhitespace(body.charAt(end)) ? " " : "")
              + groupNot(body.substring(end));
        }
        i = e;
        continue;
      }
      i++;
    }
    return body;
  }

  /**
   * Puts keyword-argument values in parentheses: {@code f(a=x|length - 1)}. Jinjava binds the
   * {@code =} of a named argument tighter than arithmetic, so Qwen3's
   * {@code namespace(last_query_index=messages|length - 1)} would fail; in Jinja2 the value is the
   * whole expression up to the next comma or closing parenthesis.
   */
  public static String groupNamedArguments(String body) {
    StringBuilder out = new StringBuilder(body.length() + 8);
    int i = 0;
    int n = body.length();
    while (i < n) {
      char c = body.charAt(i);
      if (c == '\'' || c == '"') {
        int e = skipLiteral(body, i);
        out.append(body, i, e);
        i = e;
        continue;
      }
      if (isWordStart(c) && (i == 0 || !isWordPart(body.charAt(i - 1))) && afterOpenOrComma(body, i)) {
        int e = wordEnd(body, i);
        int q = e;
        while (q < n && Character.isWhitespace(body.charAt(q))) {
          q++;
        }
        if (q < n && body.charAt(q) == '=' && (q + 1 >= n || body.charAt(q + 1) != '=')) {
          int valueEnd = expressionEnd(body, q + 1, false);
          String value = body.substring(q + 1, valueEnd);
          out.append(body, i, q + 1).append('(').append(groupNamedArguments(value).trim()).append(')');
          i = valueEnd;
          continue;
        }
        out.append(body, i, e);
        i = e;
        continue;
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }

  /** Whether the word at {@code i} follows "(" or "," (so it can be a keyword argument). */
  private static boolean afterOpenOrComma(String s, int i) {
    int p = i - 1;
    while (p >= 0 && Character.isWhitespace(s.charAt(p))) {
      p--;
    }
    return p >= 0 && (s.charAt(p) == '(' || s.charAt(p) == ',') && insideParentheses(s, p);
  }

  /** Whether position {@code p} is inside an open parenthesis (not only brackets or braces). */
  private static boolean insideParentheses(String s, int p) {
    int round = 0;
    int other = 0;
    for (int k = p; k >= 0; k--) {
      char c = s.charAt(k);
      if (c == ')') {
        round--;
      } else if (c == '(') {
        round++;
        if (round > 0) {
          return other <= 0;
        }
      } else if (c == ']' || c == '}') {
        other--;
      } else if (c == '[' || c == '{') {
        other++;
        if (other > 0) {
          return false;
        }
      }
    }
    return false;
  }

  /**
   * Rewrites the reversing slice {@code x[::-1]} (used by Qwen3-style templates to scan messages
   * backwards), which Jinjava cannot parse, into {@code (x|reverse|list)}. Other stepped slices are
   * left for the parser to reject.
   */
  public static String reverseSlices(String body) {
    String marker = "[::-1]";
    int i = 0;
    while (i < body.length()) {
      char c = body.charAt(i);
      if (c == '\'' || c == '"') {
        i = skipLiteral(body, i);
        continue;
      }
      if (body.startsWith(marker, i)) {
        int start = operandStart(body, i);
        if (start < i) {
          String replaced = "(" + body.substring(start, i) + "|reverse|list)";
          body = body.substring(0, start) + replaced + body.substring(i + marker.length());
          i = start + replaced.length();
          continue;
        }
      }
      i++;
    }
    return body;
  }

  /** Start of the postfix operand ending at {@code end}: a name with attributes, calls and subscripts. */
  private static int operandStart(String s, int end) {
    int p = end;
    while (p > 0) {
      char c = s.charAt(p - 1);
      if (c == ']' || c == ')') {
        int open = matchingOpen(s, p - 1);
        if (open < 0) {
          return p;
        }
        p = open;
      } else if (isWordPart(c)) {
        while (p > 0 && isWordPart(s.charAt(p - 1))) {
          p--;
        }
        if (p > 0 && s.charAt(p - 1) == '.') {
          p--;
        } else {
          return p;
        }
      } else {
        return p;
      }
    }
    return p;
  }

  private static int matchingOpen(String s, int close) {
    char closeChar = s.charAt(close);
    char openChar = closeChar == ']' ? '[' : '(';
    int depth = 0;
    for (int k = close; k >= 0; k--) {
      char c = s.charAt(k);
      if (c == closeChar) {
        depth++;
      } else if (c == openChar && --depth == 0) {
        return k;
      }
    }
    return -1;
  }

  /**
   * Whether a {@code for} statement body has a loop filter ({@code for x in xs if cond}), which
   * Jinjava ignores (it would loop over every item).
   */
  public static boolean hasLoopFilter(String blockBody) {
    String b = blockBody.trim();
    if (!b.startsWith("for ") && !b.startsWith("for\t")) {
      return false;
    }
    int depth = 0;
    boolean sawIf = false;
    for (int i = 3; i < b.length(); ) {
      char c = b.charAt(i);
      if (c == '\'' || c == '"') {
        i = skipLiteral(b, i);
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
      } else if (isWordStart(c) && !isWordPart(b.charAt(i - 1))) {
        int e = wordEnd(b, i);
        String w = b.substring(i, e);
        if (depth == 0 && w.equals("if")) {
          sawIf = true;
        } else if (depth == 0 && w.equals("else")) {
          sawIf = false; // a conditional expression, not a filter
        }
        i = e;
        continue;
      }
      i++;
    }
    return sawIf;
  }

  private static boolean isUnaryNot(String body, int start, int end) {
    int p = start - 1;
    while (p >= 0 && Character.isWhitespace(body.charAt(p))) {
      p--;
    }
    if (p >= 0 && body.charAt(p) == '.') {
      return false; // attribute named "not"
    }
    if (p >= 1 && isWordPart(body.charAt(p))) {
      int s = p;
      while (s > 0 && isWordPart(body.charAt(s - 1))) {
        s--;
      }
      if (body.substring(s, p + 1).equals("is")) {
        return false; // "is not" test
      }
    }
    int q = end;
    while (q < body.length() && Character.isWhitespace(body.charAt(q))) {
      q++;
    }
    if (q < body.length() && isWordStart(body.charAt(q))) {
      String next = body.substring(q, wordEnd(body, q));
      return !next.equals("in"); // "not in" operator
    }
    return true;
  }

  private static int operandEnd(String body, int from) {
    int end = expressionEnd(body, from, true);
    if (end == body.length()) {
      // Trailing whitespace stays outside the parentheses.
      while (end > from && Character.isWhitespace(body.charAt(end - 1))) {
        end--;
      }
    }
    return end;
  }

  /**
   * End of the expression starting at {@code from}: the next top-level comma or unmatched closing
   * bracket, or, with {@code stopAtKeywords}, a top-level and/or/if/else; else the text length.
   */
  private static int expressionEnd(String body, int from, boolean stopAtKeywords) {
    int depth = 0;
    int i = from;
    while (i < body.length()) {
      char c = body.charAt(i);
      if (c == '\'' || c == '"') {
        i = skipLiteral(body, i);
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) {
          return i;
        }
        depth--;
      } else if (c == ',' && depth == 0) {
        return i;
      } else if (stopAtKeywords && isWordStart(c) && (i == 0 || !isWordPart(body.charAt(i - 1)))) {
        int e = wordEnd(body, i);
        if (depth == 0 && STOP_WORDS.contains(body.substring(i, e))) {
          return i;
        }
        i = e;
        continue;
      }
      i++;
    }
    return i;
  }


  private static boolean isWordStart(char c) {
    return Character.isLetter(c) || c == '_';
  }

  private static boolean isWordPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  private static int wordEnd(String s, int i) {
    int e = i;
    while (e < s.length() && isWordPart(s.charAt(e))) {
      e++;
    }
    return e;
  }

  /** Index just after the string literal starting at {@code i} (text length when unterminated). */
  static int skipLiteral(String t, int i) {
    char quote = t.charAt(i);
    int j = i + 1;
    while (j < t.length() && t.charAt(j) != quote) {
      j += t.charAt(j) == '\\' ? 2 : 1;
    }
    return Math.min(j + 1, t.length());
  }
}
