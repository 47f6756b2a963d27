package dev.medadapt.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SubsetsTest {

  private static List<Question> make(int a, int b, int c) {
    List<Question> out = new ArrayList<>();
    int[] counts = {a, b, c};
    for (int l = 0; l < 3; l++) {
      for (int i = 0; i < counts[l]; i++) {
        out.add(new Question(Question.letter(l) + i, "t", "q", List.of("x", "y", "z"), Question.letter(l), null));
      }
    }
    return out;
  }

  @Test
  void shuffledFollowsTheDocumentedFisherYates() {
    List<Question> qs = make(10, 6, 4);
    long seed = 4242;
    // the documented algorithm, spelled out independently on indices
    int[] idx = IntStream.range(0, qs.size()).toArray();
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = idx.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    List<Question> expected = IntStream.of(idx).limit(7).mapToObj(qs::get).toList();
    assertThat(Subsets.shuffled(qs, seed, 7)).containsExactlyElementsOf(expected);
    assertThat(Subsets.shuffled(qs, seed, 7)).isEqualTo(Subsets.shuffled(qs, seed, 7));
    assertThat(Subsets.shuffled(qs, seed + 1, 20)).isNotEqualTo(Subsets.shuffled(qs, seed, 20));
    assertThat(Subsets.shuffled(qs, seed, 100)).hasSize(20).containsExactlyInAnyOrderElementsOf(qs);
    // the prefix property: a smaller n is a prefix of a larger n with the same seed
    assertThat(Subsets.shuffled(qs, seed, 12)).startsWith(Subsets.shuffled(qs, seed, 5).toArray(new Question[0]));
  }

  @Test
  void stratifiedUsesLargestRemainders() {
    // 10 A, 6 B, 4 C; n = 5: quotas 2.5, 1.5, 1.0 -> floors 2, 1, 1; the spare goes to A (tie with B, earlier letter)
    for (long seed = 0; seed < 20; seed++) {
      List<Question> s = Subsets.stratified(make(10, 6, 4), seed, 5);
      Map<String, Long> counts = s.stream().collect(Collectors.groupingBy(Question::answer, Collectors.counting()));
      assertThat(counts).containsEntry("A", 3L).containsEntry("B", 1L).containsEntry("C", 1L);
      assertThat(s).doesNotHaveDuplicates();
    }
    // 7 A, 7 B, 6 C; n = 10: 3.5, 3.5, 3.0 -> A gets the spare
    Map<String, Long> c2 = Subsets.stratified(make(7, 7, 6), 1, 10).stream()
        .collect(Collectors.groupingBy(Question::answer, Collectors.counting()));
    assertThat(c2).containsEntry("A", 4L).containsEntry("B", 3L).containsEntry("C", 3L);
    assertThat(Subsets.stratified(make(7, 7, 6), 3, 10)).isEqualTo(Subsets.stratified(make(7, 7, 6), 3, 10));
  }
}
