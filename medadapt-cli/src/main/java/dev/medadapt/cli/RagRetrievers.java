package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.EmbedderInfo;
import dev.medadapt.rag.retrieve.HybridRetriever;
import dev.medadapt.rag.retrieve.Retriever;
import java.util.Locale;

/**
 * A retriever over an open index or SolrCloud collection chosen by the CLI's mode name ({@code bm25}, {@code dense},
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
   * @param target an open local index or SolrCloud collection
   * @param mode bm25, dense or hybrid; null = hybrid for a target with vectors, else bm25
   * @param embedderSpec query embedder ({@link Embedders#HELP}); null = the target's own
   * @param rrfK reciprocal-rank-fusion constant of hybrid mode
   * @param modeOption the command's option name for the mode, used in error messages
   */
  static RagRetrievers open(RetrievalTarget.Opened target, String mode, String embedderSpec, int rrfK, String modeOption) {
    EmbedderInfo info = target.embedder();
    String m = mode != null ? mode.toLowerCase(Locale.ROOT) : info != null ? "hybrid" : "bm25";
    Retriever bm25 = target.bm25();
    switch (m) {
      case "bm25":
        return new RagRetrievers(bm25, null, m, "bm25");
      case "dense":
      case "hybrid":
        if (info == null) {
          throw new ConfigurationException(
              target.where() + " is a BM25-only " + target.kind() + "; " + modeOption + " " + m + " needs vectors (re-index without --bm25-only)");
        }
        Embedder e = Embedders.forEmbedder(info, embedderSpec, target.where());
        Retriever dense;
        try {
          dense = target.dense(e);
        } catch (RuntimeException ex) {
          e.close();
          throw ex;
        }
        String described = describe(info);
        if (m.equals("dense")) {
          return new RagRetrievers(dense, e, m, "dense (" + described + ")");
        }
        Retriever hybrid = HybridRetriever.builder().add(bm25, 1).add(dense, 1).rrfK(rrfK).build();
        return new RagRetrievers(hybrid, e, m, "hybrid rrf-k=" + rrfK + " (bm25 + " + described + ")");
      default:
        throw new ConfigurationException(modeOption + " must be bm25, dense or hybrid, was \"" + mode + "\"");
    }
  }

  /** The wording of {@code IndexMetadata.describeEmbedder}, which reports and run logs carry. */
  static String describe(EmbedderInfo info) {
    return info.name() + " (dimension " + info.dimension() + ", "
        + (info.normalized() ? "normalized" : "not normalized") + ", " + info.pooling() + " pooling)";
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
