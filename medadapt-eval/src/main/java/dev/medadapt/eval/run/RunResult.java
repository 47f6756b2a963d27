package dev.medadapt.eval.run;

import java.util.List;

/**
 * What {@link EvalRunner#run()} produced.
 *
 * @param records one record per question of the run, in question order (finished earlier or now)
 * @param resumed items found already finished in the run directory and skipped
 * @param scored items scored in this call
 * @param tornBytesDropped bytes of a partly written last record removed before resuming (0 if none)
 */
public record RunResult(List<ItemRecord> records, int resumed, int scored, long tornBytesDropped) {
  public RunResult {
    records = List.copyOf(records);
  }

  public int n() {
    return records.size();
  }

  public int correct() {
    return (int) records.stream().filter(ItemRecord::correct).count();
  }

  public int unparsed() {
    return (int) records.stream().filter(ItemRecord::isUnparsed).count();
  }

  /** Fraction correct (unparsed answers count as wrong); NaN for an empty run. */
  public double accuracy() {
    return records.isEmpty() ? Double.NaN : (double) correct() / records.size();
  }
}
