package dev.medadapt.eval.contamination;

import java.util.List;

/**
 * Overlap of one benchmark with a training set.
 *
 * @param benchmark benchmark name
 * @param questions questions checked
 * @param tooShort questions with fewer than n tokens (they cannot share an n-gram; counted, not hidden)
 * @param contaminated questions sharing at least one n-gram with some training record
 * @param overlappingNgrams distinct benchmark n-grams found in the training set
 * @param exampleIds up to 10 contaminated question ids, in benchmark order
 */
public record BenchmarkOverlap(
    String benchmark, int questions, int tooShort, int contaminated, int overlappingNgrams, List<String> exampleIds) {

  public BenchmarkOverlap {
    exampleIds = List.copyOf(exampleIds);
  }

  /** contaminated / questions (NaN for an empty benchmark). */
  public double fraction() {
    return questions == 0 ? Double.NaN : (double) contaminated / questions;
  }
}
