package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.DenseRetriever;
import dev.medadapt.rag.retrieve.HybridRetriever;
import dev.medadapt.rag.retrieve.Retriever;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A retriever over an open index chosen by the CLI's mode name ({@code bm25}, {@code dense},
 * {@code hybrid}); owns the query embedder it opens, so close it after use.
 */
final class RagRetrievers implements AutoCloseable {
  private final Retriever retriever;
  private final Embedder embedder;
  private final String mode;
  private final String description;

  private RagRetrievers(Retriever retriever, Embedder embedder, String mode, String description) {
    this.retriever = retriever;
    this.embedder = embedder;
    this.mode = mode;
    this.description = description;
  }

  /**
   * @param mode bm25, dense or hybrid; null = hybrid for an index with vectors, else bm25
   * @param embedderSpec query embedder ({@link Embedders#HELP}); null = the index's own
   * @param rrfK reciprocal-rank-fusion constant of hybrid mode
   * @param modeOption the command's option name for the mode, used in error messages
   */
  static RagRetrievers open(
      RagIndex idx, Path indexDir, String mode, String embedderSpec, int rrfK, String modeOption) {
    String m = mode != null ? mode.toLowerCase(Locale.ROOT) : idx.metadata().dense() ? "hybrid" : "bm25";
    Retriever bm25 = Bm25Retriever.builder(idx).build();
    switch (m) {
      case "bm25":
        return new RagRetrievers(bm25, null, m, "bm25");
      case "dense":
      case "hybrid":
        if (!idx.metadata().dense()) {
          throw new ConfigurationException(
              indexDir + " is a BM25-only index; " + modeOption + " " + m + " needs vectors (re-index without --bm25-only)");
        }
        Embedder e = Embedders.forIndex(idx.metadata(), embedderSpec, indexDir);
        Retriever dense = DenseRetriever.builder(idx, e).build();
        if (m.equals("dense")) {
          return new RagRetrievers(dense, e, m, "dense (" + idx.metadata().describeEmbedder() + ")");
        }
        Retriever hybrid = HybridRetriever.builder().add(bm25, 1).add(dense, 1).rrfK(rrfK).build();
        return new RagRetrievers(hybrid, e, m, "hybrid rrf-k=" + rrfK + " (bm25 + " + idx.metadata().describeEmbedder() + ")");
      default:
        throw new ConfigurationException(modeOption + " must be bm25, dense or hybrid, was \"" + mode + "\"");
    }
  }

  Retriever retriever() {
    return retriever;
  }

  /** The mode in use: bm25, dense or hybrid. */
  String mode() {
    return mode;
  }

  String description() {
    return description;
  }

  @Override
  public void close() {
    if (embedder != null) {
      embedder.close();
    }
  }
}
