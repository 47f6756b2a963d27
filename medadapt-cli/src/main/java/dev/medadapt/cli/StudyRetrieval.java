package dev.medadapt.cli;

import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.EmbedderInfo;
import dev.medadapt.rag.retrieve.Retriever;
import dev.medadapt.study.RetrievalSource;

/**
 * An open index or SolrCloud collection as the study's {@link RetrievalSource}; the query embedder of its dense
 * retrieval is the one its passages were embedded with (opened on first use, closed with this).
 */
final class StudyRetrieval implements RetrievalSource, AutoCloseable {
  private final RetrievalTarget.Opened target;
  private Embedder embedder;

  StudyRetrieval(RetrievalTarget.Opened target) {
    this.target = target;
  }

  @Override
  public String describe() {
    return target.size() + " passages in " + (target.kind().equals("index") ? "index " : "") + target.where();
  }

  @Override
  public Retriever bm25() {
    return target.bm25();
  }

  @Override
  public Retriever dense() {
    EmbedderInfo info = target.embedder();
    if (info == null) {
      throw new dev.medadapt.core.ConfigurationException(target.where() + " is a BM25-only " + target.kind()
          + "; the dense and hybrid baselines need vectors");
    }
    if (embedder == null) {
      embedder = Embedders.forEmbedder(info, null, target.where());
    }
    return target.dense(embedder);
  }

  @Override
  public String embedderDescription() {
    EmbedderInfo info = target.embedder();
    return info == null ? null : RagRetrievers.describe(info);
  }

  @Override
  public void close() {
    try (RetrievalTarget.Opened t = target; Embedder e = embedder) {
      // closes both
    }
  }
}
