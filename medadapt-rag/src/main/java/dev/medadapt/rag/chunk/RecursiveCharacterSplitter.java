package dev.medadapt.rag.chunk;

import dev.medadapt.core.Ensure;
import java.util.ArrayList;
import java.util.List;

/**
 * LangChain's {@code RecursiveCharacterTextSplitter} (langchain_text_splitters/character.py) in
 * Java, with the same defaults and the same merge rules, so that chunks match MedRAG's corpora.
 *
 * <p>The text is split at the first separator (of {@code "\n\n", "\n", " ", ""}) that occurs in it,
 * keeping each separator at the start of the following piece; pieces shorter than {@code chunkSize}
 * are merged greedily up to {@code chunkSize} characters with up to {@code chunkOverlap} characters
 * carried over to the next chunk; longer pieces are split again with the next separator. Each chunk
 * is stripped of surrounding whitespace and empty chunks are dropped. Lengths count Unicode code
 * points, like Python's {@code len}.
 *
 * <pre>{@code
 * TextSplitter s = RecursiveCharacterSplitter.builder().build(); // MedRAG textbooks: 1000 / 200
 * List<String> pieces = s.split(text);
 * }</pre>
 */
public final class RecursiveCharacterSplitter implements TextSplitter {

  /** LangChain's default separators. */
  public static final List<String> DEFAULT_SEPARATORS = List.of("\n\n", "\n", " ", "");

  private final int chunkSize;
  private final int chunkOverlap;
  private final List<String> separators;

  private RecursiveCharacterSplitter(Builder b) {
    this.chunkSize = b.chunkSize;
    this.chunkOverlap = b.chunkOverlap;
    this.separators = List.copyOf(b.separators);
  }

  public static Builder builder() {
    return new Builder();
  }

  public int chunkSize() {
    return chunkSize;
  }

  public int chunkOverlap() {
    return chunkOverlap;
  }

  @Override
  public List<String> split(String text) {
    List<String> out = new ArrayList<>();
    splitRecursive(text, separators, out);
    return out;
  }

  private void splitRecursive(String text, List<String> seps, List<String> out) {
    String separator = seps.get(seps.size() - 1);
    List<String> rest = List.of();
    for (int i = 0; i < seps.size(); i++) {
      String s = seps.get(i);
      if (s.isEmpty()) {
        separator = s;
        break;
      }
      if (text.contains(s)) {
        separator = s;
        rest = seps.subList(i + 1, seps.size());
        break;
      }
    }
    if (separator.isEmpty()) {
      // Python's list(text) followed by _merge_splits with "" is a sliding window; computing the
      // windows directly avoids one String per character (a 10 MB document without spaces).
      windows(text, out);
      return;
    }
    List<String> splits = splitKeepingSeparator(text, separator);
    List<String> good = new ArrayList<>();
    for (String s : splits) {
      if (len(s) < chunkSize) {
        good.add(s);
      } else {
        if (!good.isEmpty()) {
          merge(good, out);
          good.clear();
        }
        if (rest.isEmpty()) {
          addStripped(s, out);
        } else {
          splitRecursive(s, rest, out);
        }
      }
    }
    if (!good.isEmpty()) {
      merge(good, out);
    }
  }

  /** {@code _split_text_with_regex(keep_separator=True)}: the separator starts each later piece. */
  private static List<String> splitKeepingSeparator(String text, String sep) {
    List<String> pieces = new ArrayList<>();
    int start = 0;
    int idx = text.indexOf(sep);
    while (idx >= 0) {
      if (idx > start) {
        pieces.add(text.substring(start, idx));
      }
      start = idx;
      idx = text.indexOf(sep, idx + sep.length());
    }
    if (start < text.length()) {
      pieces.add(text.substring(start));
    }
    return pieces;
  }

  /** {@code _merge_splits} with an empty join separator (kept separators are inside the pieces). */
  private void merge(List<String> splits, List<String> out) {
    ArrayList<String> current = new ArrayList<>();
    int head = 0; // current = splits [head, current.size()) view; we pop from the front
    int total = 0;
    for (String d : splits) {
      int l = len(d);
      if (total + l > chunkSize && current.size() > head) {
        addStripped(String.join("", current.subList(head, current.size())), out);
        while (total > chunkOverlap || (total + l > chunkSize && total > 0)) {
          total -= len(current.get(head));
          head++;
        }
      }
      current.add(d);
      total += l;
    }
    if (current.size() > head) {
      addStripped(String.join("", current.subList(head, current.size())), out);
    }
  }

  private void windows(String text, List<String> out) {
    int n = text.codePointCount(0, text.length());
    int step = chunkSize - chunkOverlap;
    for (int start = 0; ; start += step) {
      int end = Math.min(n, start + chunkSize);
      int from = text.offsetByCodePoints(0, start);
      int to = text.offsetByCodePoints(from, end - start);
      addStripped(text.substring(from, to), out);
      if (end >= n) {
        break;
      }
    }
  }

  private static void addStripped(String s, List<String> out) {
    String t = s.strip();
    if (!t.isEmpty()) {
      out.add(t);
    }
  }

  private static int len(String s) {
    return s.codePointCount(0, s.length());
  }

  /** Builder; defaults are MedRAG's textbooks setting (src/data/textbooks.py: 1000 / 200). */
  public static final class Builder {
    private int chunkSize = 1000;
    private int chunkOverlap = 200;
    private List<String> separators = DEFAULT_SEPARATORS;

    private Builder() {}

    /** Maximum chunk length in characters (default 1000). */
    public Builder chunkSize(int chunkSize) {
      this.chunkSize = chunkSize;
      return this;
    }

    /** Characters carried over between consecutive chunks (default 200). */
    public Builder chunkOverlap(int chunkOverlap) {
      this.chunkOverlap = chunkOverlap;
      return this;
    }

    /** Literal separators, tried in order; the last one should be {@code ""} to guarantee the size limit. */
    public Builder separators(List<String> separators) {
      this.separators = separators;
      return this;
    }

    public RecursiveCharacterSplitter build() {
      Ensure.between(chunkSize, 1, 1_000_000, "chunkSize");
      Ensure.between(chunkOverlap, 0, chunkSize - 1, "chunkOverlap");
      Ensure.notEmpty(separators, "separators");
      return new RecursiveCharacterSplitter(this);
    }
  }
}
