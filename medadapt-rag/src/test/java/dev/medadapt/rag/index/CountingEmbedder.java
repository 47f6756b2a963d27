package dev.medadapt.rag.index;

import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.EmbedderInfo;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/** Wraps an embedder, counts calls, optionally slows down or corrupts passage vectors. */
public final class CountingEmbedder implements Embedder {
  final Embedder inner;
  final AtomicLong passages = new AtomicLong();
  final AtomicLong queries = new AtomicLong();
  private final long sleepMillisPerBatch;
  private final UnaryOperator<float[]> tamper;
  private final EmbedderInfo info;

  public CountingEmbedder(Embedder inner, long sleepMillisPerBatch, UnaryOperator<float[]> tamper, EmbedderInfo info) {
    this.inner = inner;
    this.sleepMillisPerBatch = sleepMillisPerBatch;
    this.tamper = tamper;
    this.info = info;
  }

  public CountingEmbedder(Embedder inner) {
    this(inner, 0, v -> v, inner.info());
  }

  @Override
  public EmbedderInfo info() {
    return info;
  }

  @Override
  public List<float[]> embedPassages(List<String> texts) {
    if (sleepMillisPerBatch > 0) {
      try {
        Thread.sleep(sleepMillisPerBatch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    passages.addAndGet(texts.size());
    return inner.embedPassages(texts).stream().map(tamper).toList();
  }

  @Override
  public float[] embedQuery(String q) {
    queries.incrementAndGet();
    return inner.embedQuery(q);
  }

  @Override
  public void close() {}
}
