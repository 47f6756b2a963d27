package dev.medadapt.rag.corpus;

/** What a corpus reader does with a row it cannot read (invalid JSON, missing field, non-UTF-8 bytes). */
public enum BadRowPolicy {
  /** Stop with a {@link dev.medadapt.core.DataFormatException} naming file and line (the default). */
  FAIL,
  /** Log the row's file:line, count it ({@link ChunkSource#skippedRows()}) and go on. */
  SKIP_AND_COUNT
}
