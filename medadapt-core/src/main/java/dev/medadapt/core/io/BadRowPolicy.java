package dev.medadapt.core.io;

/** What a reader does with a row it cannot read (invalid JSON, a missing field, non-UTF-8 bytes). */
public enum BadRowPolicy {
  /** Stop with a {@link dev.medadapt.core.DataFormatException} naming file and line (the default). */
  FAIL,
  /** Log the row's file:line, count it and go on. */
  SKIP_AND_COUNT
}
