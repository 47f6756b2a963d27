package dev.medadapt.rag.index;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The chunk ids one indexing run has written, to report ids that repeat: a later chunk with an id
 * already written replaces the earlier one, so a corpus with repeated ids loses chunks. Memory is
 * bounded: after {@code limit} distinct ids it stops remembering and {@link #complete()} turns false.
 */
public final class DuplicateIds {
  /** How many repeated ids are kept by name. */
  public static final int FIRST = 5;

  private Set<String> seen = new HashSet<>();
  private final int limit;
  private long count;
  private final List<String> first = new ArrayList<>();

  public DuplicateIds(int limit) {
    this.limit = limit;
  }

  /** True when {@code id} is known not to have been written before in this run. */
  public boolean add(String id) {
    if (seen == null) {
      return false;
    }
    if (seen.add(id)) {
      if (seen.size() >= limit) {
        seen = null;
      }
      return true;
    }
    count++;
    if (first.size() < FIRST) {
      first.add(id);
    }
    return false;
  }

  /** Chunks whose id repeated an earlier chunk of this run. */
  public long count() {
    return count;
  }

  /** The first repeated ids, at most {@value #FIRST}. */
  public List<String> first() {
    return List.copyOf(first);
  }

  /** False once the id limit was reached: repeats after that are not counted. */
  public boolean complete() {
    return seen != null;
  }

  /** "N chunks repeat an id ... (first: a, b)" or an empty string when none did. */
  public String describe() {
    if (count == 0) {
      return "";
    }
    return count + " chunk" + (count == 1 ? "" : "s") + " repeated an id read earlier in this run and replaced that chunk"
        + " (first: " + String.join(", ", first) + ")" + (complete() ? "" : "; ids after the first " + limit + " were not checked");
  }
}
