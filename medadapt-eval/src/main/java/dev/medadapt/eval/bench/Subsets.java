package dev.medadapt.eval.bench;

import dev.medadapt.core.Ensure;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Seeded subsets of a benchmark, reproducible bit for bit from (questions in loader order, seed, n).
 *
 * <p><b>Algorithm of {@link #shuffled}</b>: copy the questions in the loader's order; create
 * {@code new java.util.SplittableRandom(seed)}; Fisher-Yates (Durstenfeld): for {@code i} from
 * {@code size-1} down to 1, {@code j = random.nextInt(i + 1)}, swap elements {@code i} and {@code j};
 * return the first {@code n} (all when {@code n >= size}).
 *
 * <p><b>Algorithm of {@link #stratified}</b>: group the questions by answer letter (letters in
 * alphabetical order, each group in loader order); one {@code SplittableRandom(seed)} shuffles each
 * group in letter order with the Fisher-Yates above; each group gets {@code floor(n * size_g / size)}
 * questions, and the remaining ones go one each to the groups with the largest fractional parts
 * {@code n * size_g / size - floor(...)} (ties: earlier letter first; largest-remainder
 * apportionment); take that many from the front of each shuffled group, concatenate in letter order,
 * and shuffle the result once more with the same generator so that answers are not grouped.
 */
public final class Subsets {
  private Subsets() {}

  /** A uniformly random subset of {@code n} questions in random order. */
  public static List<Question> shuffled(List<Question> questions, long seed, int n) {
    Ensure.between(n, 0, Integer.MAX_VALUE, "n");
    List<Question> copy = new ArrayList<>(questions);
    shuffle(copy, new SplittableRandom(seed));
    return List.copyOf(copy.subList(0, Math.min(n, copy.size())));
  }

  /** A subset of {@code n} questions whose answer-letter proportions follow the whole benchmark's. */
  public static List<Question> stratified(List<Question> questions, long seed, int n) {
    Ensure.between(n, 0, Integer.MAX_VALUE, "n");
    if (n >= questions.size()) {
      return shuffled(questions, seed, n);
    }
    TreeMap<String, List<Question>> groups = new TreeMap<>();
    for (Question q : questions) {
      groups.computeIfAbsent(q.answer(), k -> new ArrayList<>()).add(q);
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<List<Question>> lists = new ArrayList<>(groups.values());
    int total = questions.size();
    int[] take = new int[lists.size()];
    double[] frac = new double[lists.size()];
    int given = 0;
    for (int g = 0; g < lists.size(); g++) {
      shuffle(lists.get(g), random);
      // exact integer arithmetic: quota = n * size_g / total
      long num = (long) n * lists.get(g).size();
      take[g] = (int) (num / total);
      frac[g] = (double) (num % total) / total;
      given += take[g];
    }
    for (int r = given; r < n; r++) {
      int best = -1;
      for (int g = 0; g < lists.size(); g++) {
        if (take[g] < lists.get(g).size() && (best < 0 || frac[g] > frac[best])) {
          best = g;
        }
      }
      take[best]++;
      frac[best] = -1;
    }
    List<Question> out = new ArrayList<>(n);
    for (int g = 0; g < lists.size(); g++) {
      out.addAll(lists.get(g).subList(0, take[g]));
    }
    shuffle(out, random);
    return List.copyOf(out);
  }

  private static <T> void shuffle(List<T> list, SplittableRandom random) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      T t = list.get(i);
      list.set(i, list.get(j));
      list.set(j, t);
    }
  }
}
