package dev.medadapt.eval.contamination;

import com.fasterxml.jackson.databind.JsonNode;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.bench.internal.Sources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * n-gram overlap between a training JSON Lines file and benchmark questions (13-grams of lower-cased
 * words by default, {@link WordNgrams}). A question is contaminated when any of its n-grams occurs
 * in any training record.
 *
 * <pre>{@code
 * ContaminationReport r = ContaminationChecker.builder().n(13).trainFields(List.of("text")).build()
 *     .check(Path.of("train.jsonl"), Map.of("medqa", medqaQuestions), ProgressListener.NONE);
 * }</pre>
 *
 * <p>The benchmark n-grams are held in memory (a few hundred thousand strings for all of MIRAGE);
 * the training file is streamed. The text of each training field is every string inside it,
 * recursively (so {@code "messages"} of chat records works), joined by newlines; a record missing
 * all of the fields is an error naming file and line. With {@code includeOptions} the question's
 * options are appended to its text.
 */
public final class ContaminationChecker {
  private final int n;
  private final List<String> trainFields;
  private final boolean includeOptions;

  private ContaminationChecker(Builder b) {
    this.n = b.n;
    this.trainFields = b.trainFields;
    this.includeOptions = b.includeOptions;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Checks each named benchmark against the training file. */
  public ContaminationReport check(Path trainJsonl, Map<String, List<Question>> benchmarks, ProgressListener progress) {
    // n-gram -> (benchmark index, question index) pairs
    Map<String, List<long[]>> index = new HashMap<>();
    List<String> names = new ArrayList<>(benchmarks.keySet());
    List<List<Question>> lists = new ArrayList<>();
    int[] tooShort = new int[names.size()];
    for (int b = 0; b < names.size(); b++) {
      List<Question> qs = benchmarks.get(names.get(b));
      lists.add(qs);
      for (int i = 0; i < qs.size(); i++) {
        Set<String> grams = WordNgrams.ngrams(text(qs.get(i)), n);
        if (grams.isEmpty()) {
          tooShort[b]++;
        }
        for (String g : grams) {
          index.computeIfAbsent(g, k -> new ArrayList<>(1)).add(new long[] {b, i});
        }
      }
    }
    List<BitSet> hit = new ArrayList<>();
    names.forEach(x -> hit.add(new BitSet()));
    Set<String> found = new HashSet<>();
    long[] records = {0};
    long start = System.nanoTime();
    Sources.forEachJsonLine(
        trainJsonl,
        (node, line) -> {
          StringBuilder sb = new StringBuilder();
          boolean any = false;
          for (String f : trainFields) {
            JsonNode v = node.get(f);
            if (v != null && !v.isNull()) {
              any = true;
              collect(v, sb);
            }
          }
          if (!any) {
            throw new DataFormatException(trainJsonl + ":" + line + ": none of the fields " + trainFields + " is present");
          }
          List<String> t = WordNgrams.tokens(sb.toString());
          for (int i = 0; i + n <= t.size(); i++) {
            String g = String.join(" ", t.subList(i, i + n));
            List<long[]> where = index.get(g);
            if (where != null) {
              found.add(g);
              for (long[] w : where) {
                hit.get((int) w[0]).set((int) w[1]);
              }
            }
          }
          records[0]++;
          if (records[0] % 10_000 == 0) {
            progress.onProgress(Progress.of("contamination", records[0], -1, "records",
                Duration.ofNanos(System.nanoTime() - start), Map.of()));
          }
        });
    List<BenchmarkOverlap> out = new ArrayList<>();
    for (int b = 0; b < names.size(); b++) {
      List<Question> qs = lists.get(b);
      List<String> examples = new ArrayList<>();
      for (int i = hit.get(b).nextSetBit(0); i >= 0 && examples.size() < 10; i = hit.get(b).nextSetBit(i + 1)) {
        examples.add(qs.get(i).id());
      }
      int bi = b;
      int grams = (int) found.stream().filter(g -> index.get(g).stream().anyMatch(w -> w[0] == bi)).count();
      out.add(new BenchmarkOverlap(names.get(b), qs.size(), tooShort[b], hit.get(b).cardinality(), grams, examples));
    }
    return new ContaminationReport(n, trainJsonl.toString(), trainFields, records[0], out);
  }

  private String text(Question q) {
    return includeOptions ? q.question() + "\n" + String.join("\n", q.options()) : q.question();
  }

  private static void collect(JsonNode v, StringBuilder sb) {
    if (v.isTextual()) {
      sb.append(v.textValue()).append('\n');
    } else if (v.isContainerNode()) {
      v.forEach(c -> collect(c, sb));
    }
  }

  /** Builder: {@code n} (default 13, in [1, 100]), {@code trainFields} (default {@code ["text"]}), {@code includeOptions} (default false). */
  public static final class Builder {
    private int n = 13;
    private List<String> trainFields = List.of("text");
    private boolean includeOptions;

    private Builder() {}

    /** n-gram length; 13 after Brown et al. (2020), App. C. */
    public Builder n(int v) {
      this.n = v;
      return this;
    }

    public Builder trainFields(List<String> v) {
      this.trainFields = v == null ? null : List.copyOf(v);
      return this;
    }

    public Builder includeOptions(boolean v) {
      this.includeOptions = v;
      return this;
    }

    public ContaminationChecker build() {
      Ensure.between(n, 1, 100, "n");
      Ensure.notEmpty(trainFields, "trainFields");
      trainFields.forEach(f -> Ensure.notBlank(f, "trainFields element"));
      return new ContaminationChecker(this);
    }
  }
}
