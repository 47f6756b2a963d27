package dev.medadapt.core.chat.internal;

/**
 * Applies Jinja2's explicit whitespace control ({@code {%-}, {@code -%}}, {@code {{-}, {@code -}}},
 * {@code {#-}, {@code -#}}) to a template's text, and removes the markers.
 *
 * <p>Why: Jinjava 2.8 does not strip the whitespace before {@code {{-}, so Qwen2.5's indented template
 * renders with stray indentation. Jinja2 (jinja2/lexer.py) strips all whitespace, newlines included,
 * between the text and a tag with a {@code -} on that side. Doing it here, before Jinjava parses, gives
 * Jinja2's output for every tag kind; {@code trim_blocks}/{@code lstrip_blocks} are still applied by
 * Jinjava to the tags that have no marker. Text inside tags (string literals) and inside
 * {@code {% raw %}} blocks is left alone.
 */
public final class JinjaWhitespace {
  private JinjaWhitespace() {}

  /** The template with whitespace control applied and the {@code -} markers removed. */
  public static String apply(String template) {
    StringBuilder out = new StringBuilder(template.length());
    StringBuilder text = new StringBuilder();
    boolean stripNextLeading = false;
    int i = 0;
    int n = template.length();
    while (i < n) {
      int start = nextTagStart(template, i);
      if (start < 0) {
        text.append(template, i, n);
        break;
      }
      text.append(template, i, start);
      char kind = template.charAt(start + 1);
      String close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
      boolean leftMinus = start + 2 < n && template.charAt(start + 2) == '-';
      int bodyStart = start + 2 + (leftMinus ? 1 : 0);
      int end = kind == '#' ? template.indexOf(close, bodyStart) : findClose(template, bodyStart, close);
      if (end < 0) {
        // Unterminated tag: leave the rest as is so that Jinjava reports the syntax error.
        text.append(template, start, n);
        i = n;
        break;
      }
      boolean rightMinus = end > bodyStart && template.charAt(end - 1) == '-';
      int bodyEnd = rightMinus ? end - 1 : end;
      flushText(out, text, stripNextLeading, leftMinus);
      String body = template.substring(bodyStart, bodyEnd);
      out.append('{').append(kind).append(body).append(close);
      stripNextLeading = rightMinus;
      i = end + 2;
      if (kind == '%' && body.trim().equals("raw")) {
        // Copy the raw body verbatim up to {% endraw %}.
        int endRaw = findEndRaw(template, i);
        if (endRaw < 0) {
          text.append(template, i, n);
          i = n;
          break;
        }
        String rawBody = template.substring(i, endRaw);
        if (stripNextLeading) {
          rawBody = stripLeading(rawBody);
          stripNextLeading = false;
        }
        boolean endLeftMinus = template.charAt(endRaw + 2) == '-';
        if (endLeftMinus) {
          rawBody = stripTrailing(rawBody);
        }
        out.append(rawBody);
        i = endRaw;
      }
    }
    flushText(out, text, stripNextLeading, false);
    return out.toString();
  }

  private static void flushText(StringBuilder out, StringBuilder text, boolean stripLeading, boolean stripTrailing) {
    String s = text.toString();
    if (stripLeading) {
      s = stripLeading(s);
    }
    if (stripTrailing) {
      s = stripTrailing(s);
    }
    out.append(s);
    text.setLength(0);
  }

  /**
   * Names of the filters applied in expression and statement tags ({@code x | name}), outside
   * string literals, so that a template using a filter that does not exist can be rejected when it
   * is loaded (Jinja2 rejects it at compile time; Jinjava would silently output nothing).
   */
  public static java.util.Set<String> filterNames(String template) {
    java.util.Set<String> names = new java.util.TreeSet<>();
    int i = 0;
    while (true) {
      int start = nextTagStart(template, i);
      if (start < 0) {
        return names;
      }
      char kind = template.charAt(start + 1);
      String close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
      int end = kind == '#' ? template.indexOf(close, start + 2) : findClose(template, start + 2, close);
      if (end < 0) {
        return names;
      }
      if (kind != '#') {
        collectFilters(template, start + 2, end, names);
      }
      i = end + 2;
    }
  }

  private static void collectFilters(String t, int from, int to, java.util.Set<String> names) {
    for (int i = from; i < to; i++) {
      i = skipLiteral(t, i);
      if (i < to && t.charAt(i) == '|') {
        int j = i + 1;
        while (j < to && Character.isWhitespace(t.charAt(j))) {
          j++;
        }
        int k = j;
        while (k < to && (Character.isLetterOrDigit(t.charAt(k)) || t.charAt(k) == '_')) {
          k++;
        }
        if (k > j) {
          names.add(t.substring(j, k));
        }
      }
    }
  }

  private static int nextTagStart(String t, int from) {
    for (int i = from; i < t.length() - 1; i++) {
      if (t.charAt(i) == '{') {
        char c = t.charAt(i + 1);
        if (c == '{' || c == '%' || c == '#') {
          return i;
        }
      }
    }
    return -1;
  }

  /** Index of {@code close} ending the tag, skipping string literals. */
  private static int findClose(String t, int from, String close) {
    for (int i = from; i < t.length(); i++) {
      i = skipLiteral(t, i);
      if (t.startsWith(close, i)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * If a string literal ('...' or "...", backslash escapes) starts at {@code i}, the index just
   * after it (the text length when unterminated); otherwise {@code i}.
   */
  private static int skipLiteral(String t, int i) {
    while (i < t.length() && (t.charAt(i) == '\'' || t.charAt(i) == '"')) {
      char quote = t.charAt(i);
      int j = i + 1;
      while (j < t.length() && t.charAt(j) != quote) {
        j += t.charAt(j) == '\\' ? 2 : 1;
      }
      i = Math.min(j + 1, t.length());
    }
    return i;
  }

  private static int findEndRaw(String t, int from) {
    int i = from;
    while (true) {
      int s = t.indexOf("{%", i);
      if (s < 0) {
        return -1;
      }
      int j = s + 2;
      if (j < t.length() && (t.charAt(j) == '-' || t.charAt(j) == '+')) {
        j++;
      }
      while (j < t.length() && Character.isWhitespace(t.charAt(j))) {
        j++;
      }
      if (t.startsWith("endraw", j)) {
        return s;
      }
      i = s + 2;
    }
  }

  private static String stripLeading(String s) {
    int i = 0;
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return s.substring(i);
  }

  private static String stripTrailing(String s) {
    int e = s.length();
    while (e > 0 && Character.isWhitespace(s.charAt(e - 1))) {
      e--;
    }
    return s.substring(0, e);
  }
}
