package dev.medadapt.rag.corpus;

import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.chunk.Chunk;

/**
 * A stream of chunks read lazily from files, in a deterministic order: the same input gives the same
 * chunks in the same order, which is what lets an interrupted indexing run resume by position.
 *
 * <pre>{@code
 * try (ChunkSource src = Corpora.open(List.of(Path.of("textbooks.jsonl.gz")), BadRowPolicy.FAIL)) {
 *   for (Chunk c; (c = src.next()) != null; ) { ... }
 * }
 * }</pre>
 */
public interface ChunkSource extends AutoCloseable {

  /** The next chunk, or {@code null} when the source is exhausted. */
  Chunk next();

  /** Rows skipped under {@link BadRowPolicy#SKIP_AND_COUNT} so far. */
  default long skippedRows() {
    return 0;
  }

  /** Fraction of the input consumed so far in [0, 1] (by bytes or files), or NaN when unknown. */
  default double fractionRead() {
    return Double.NaN;
  }

  @Override
  void close();
}
