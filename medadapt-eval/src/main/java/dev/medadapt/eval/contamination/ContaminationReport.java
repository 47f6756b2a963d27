package dev.medadapt.eval.contamination;

import java.util.List;

/**
 * Result of {@link ContaminationChecker#check}.
 *
 * @param n n-gram length
 * @param trainFile the training file
 * @param trainFields the fields read from each training record
 * @param trainRecords training records read
 * @param benchmarks per-benchmark overlap, in the order given
 */
public record ContaminationReport(
    int n, String trainFile, List<String> trainFields, long trainRecords, List<BenchmarkOverlap> benchmarks) {

  public ContaminationReport {
    trainFields = List.copyOf(trainFields);
    benchmarks = List.copyOf(benchmarks);
  }
}
