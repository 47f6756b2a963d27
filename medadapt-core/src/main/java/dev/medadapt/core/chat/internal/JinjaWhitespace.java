package dev.medadapt.core.chat.internal;

/**
 * Applies Jinja2's explicit whitespace control ({@code {%-}, {@code -%}}, {@code {{-}, {@code -}}},
 * {@code {#-}, {@code -#}}) to a template's text, and removes the markers.
 *
 * <p>Why: Jinjava 2.8 does not strip the whitespace before <code>&#123;&#123;-</code>, so Qwen2.5's indented template
 * renders with stray indentation. Jinja2 (jinja2/lexer.py) strips all whitespace, newlines included,
 * between the text and a tag with a {@code -} on that side. Doing it here, before Jinjava parses, gives
 * Jinja2's output for every tag kind; {@code trim_blocks}/{@code lstrip_blocks} are still applied by
 * Jinjava to the tags that have no marker. Text inside tags (string literals) and inside
 * {@code {% raw %}} blocks is left alone. Expression and statement tags also get
 * {@link JinjaExpressions#reverseSlices}, {@link JinjaExpressions#groupNamedArguments} and
 * {@link JinjaExpressions#groupNot}.
 */
public final class JinjaWhitespace {
  private JinjaWhitespace() {}

  /**
   * The template with whitespace control applied and the {@code -} markers removed. Newlines that
   * are stripped are kept inside an empty comment ({@code {#\n#}}) so that every line of the
   * result is the same line of the source: Jinjava's error line numbers stay right.
   */
  public static String apply(String template) {
    Out out = new Out(template);
    boolean stripNextLeading = false;
    int i = 0;
    int n = template.length();
    while (i < n) {
      int start = nextTagStart(template, i);
      if (start < 0) {
        break;
      }
      char kind = template.charAt(start + 1);
      String close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
      boolean leftMinus = start + 2 < n && template.charAt(start + 2) == '-';
      int bodyStart = start + 2 + (leftMinus ? 1 : 0);
      int end = kind == '#' ? template.indexOf(close, bodyStart) : findClose(template, bodyStart, close);
      if (end < 0) {
        break; // unterminated tag: left as is so that Jinjava reports the syntax error
      }
      boolean rightMinus = end > bodyStart && template.charAt(end - 1) == '-';
      int bodyEnd = rightMinus ? end - 1 : end;
      out.text(i, start, stripNextLeading, leftMinus);
      String body = template.substring(bodyStart, bodyEnd);
      out.tag("{" + kind + (kind == '#' ? body : JinjaExpressions.groupNot(JinjaExpressions.groupNamedArguments(JinjaExpressions.reverseSlices(body)))) + close);
      stripNextLeading = rightMinus;
      i = end + 2;
      if (kind == '%' && body.trim().equals("raw")) {
        // Copy the raw body verbatim up to {% endraw %}.
        int endRaw = findEndRaw(template, i);
        if (endRaw < 0) {
          break;
        }
        boolean endLeftMinus = template.charAt(endRaw + 2) == '-';
        out.raw(i, endRaw, stripNextLeading, endLeftMinus);
        stripNextLeading = false;
        i = endRaw;
      }
    }
    out.text(i, n, stripNextLeading, false);
    return out.done();
  }

  /** Collects the prepared text. */
  private static final class Out {
    private final String source;
    private final StringBuilder text = new StringBuilder();

    Out(String source) {
      this.source = source;
    }

    /** Source text [from, to), optionally stripped of leading/trailing whitespace. */
    void text(int from, int to, boolean stripLeading, boolean stripTrailing) {
      copy(from, to, stripLeading, stripTrailing, true);
    }

    /** The body of a raw block: no comment can be inserted there (it would be output). */
    void raw(int from, int to, boolean stripLeading, boolean stripTrailing) {
      copy(from, to, stripLeading, stripTrailing, false);
    }

    private void copy(int from, int to, boolean stripLeading, boolean stripTrailing, boolean keepLines) {
      int start = from;
      int end = to;
      if (stripLeading) {
        while (start < end && Character.isWhitespace(source.charAt(start))) {
          start++;
        }
      }
      if (stripTrailing) {
        while (end > start && Character.isWhitespace(source.charAt(end - 1))) {
          end--;
        }
      }
      if (keepLines) {
        keepNewlines(from, start);
      }
      text.append(source, start, end);
      if (keepLines) {
        keepNewlines(end, to);
      }
    }

    private void keepNewlines(int from, int to) {
      int k = 0;
      for (int i = from; i < to; i++) {
        if (source.charAt(i) == '\n') {
          k++;
        }
      }
      if (k > 0) {
        text.append("{#").append("\n".repeat(k)).append("#}");
      }
    }

    void tag(String s) {
      text.append(s);
    }

    String done() {
      return text.toString();
    }
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

  /** Bodies of the block tags that use a loop filter ({@code for x in xs if cond}). */
  public static java.util.List<String> loopFilters(String template) {
    java.util.List<String> found = new java.util.ArrayList<>();
    int i = 0;
    while (true) {
      int start = nextTagStart(template, i);
      if (start < 0) {
        return found;
      }
      char kind = template.charAt(start + 1);
      int end = kind == '#' ? template.indexOf("#}", start + 2) : findClose(template, start + 2, kind == '{' ? "}}" : "%}");
      if (end < 0) {
        return found;
      }
      if (kind == '%' && JinjaExpressions.hasLoopFilter(template.substring(start + 2, end).replaceAll("^[-+]|-$", ""))) {
        found.add(template.substring(start, end + 2));
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
      i = JinjaExpressions.skipLiteral(t, i);
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




}
