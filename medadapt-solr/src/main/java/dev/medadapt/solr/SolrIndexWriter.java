package dev.medadapt.solr;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.PassageEmbeddings;
import dev.medadapt.rag.index.DuplicateIds;
import dev.medadapt.rag.index.IndexReport;
import dev.medadapt.solr.internal.ConfigSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.solr.common.SolrInputDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Indexes chunks into a MedAdapt {@link SolrCollection}: batched, retried on transient failures,
 * and resumable like the local {@code RagIndexWriter}. Documents are keyed by chunk id (Solr's
 * uniqueKey), so writing a chunk again replaces it. Every {@code commitEvery} chunks, after the
 * batches have been acknowledged by the cluster, the writer stores how far into the input it got
 * (a checkpoint document, {@value SolrCollection#CHECKPOINT_ID}, with the source key) and commits; a
 * run that is killed, or that gives up because the cluster stayed unreachable, and is started again
 * over the same input skips what the checkpoint covers and rewrites at most the chunks sent after it,
 * so every chunk ends up in the collection exactly once and nothing covered is embedded twice.
 *
 * <pre>{@code
 * try (SolrIndexWriter w = SolrIndexWriter.builder(collection).embedder(embedder).build();
 *     ChunkSource src = Corpora.open(files, BadRowPolicy.FAIL)) {
 *   IndexReport r = w.index(src, RagIndexWriter.sourceKey(files));
 * }
 * }</pre>
 */
public final class SolrIndexWriter implements AutoCloseable {
  /** Most ids remembered to report repeats (about 100 bytes each). */
  private static final int MAX_TRACKED_IDS = 5_000_000;

  private static final Logger LOG = LoggerFactory.getLogger(SolrIndexWriter.class);

  /** Tolerance on |v|^2 - 1 for vectors an embedder declares normalized (as the local writer). */

  private final SolrCollection collection;
  private final Embedder embedder;
  private final int batchSize;
  private final int commitEvery;
  private final ProgressListener progress;

  /** The writer's resume state, stored as JSON in the checkpoint document. */
  record Checkpoint(String source, long position, boolean complete) {}

  private SolrIndexWriter(Builder b) {
    this.collection = b.collection;
    this.embedder = b.embedder;
    this.batchSize = b.batchSize;
    this.commitEvery = b.commitEvery;
    this.progress = b.progress;
  }

  /** A writer into {@code collection} (created with {@link SolrCollection#creator}). */
  public static Builder builder(SolrCollection collection) {
    return new Builder(collection);
  }

  /**
   * Indexes every chunk of {@code source}. When the last checkpoint was made for the same
   * {@code sourceKey}, the chunks it covers are read but neither embedded nor sent again.
   */
  public IndexReport index(ChunkSource source, String sourceKey) {
    Ensure.notNull(source, "source");
    Ensure.notNull(sourceKey, "sourceKey");
    long start = System.nanoTime();
    Checkpoint last = readCheckpoint();
    long resumeFrom = 0;
    if (last != null && sourceKey.equals(last.source())) {
      resumeFrom = last.position();
      if (resumeFrom > 0) {
        LOG.info("{}: resuming after {} chunks checkpointed by an earlier run{}", collection.target().describe(), resumeFrom,
            last.complete() ? " (that run completed)" : "");
      }
    }
    long position = 0;
    long indexed = 0;
    long sinceCheckpoint = 0;
    long lastReport = 0;
    DuplicateIds runIds = new DuplicateIds(MAX_TRACKED_IDS);
    List<Chunk> batch = new ArrayList<>(batchSize);
    while (true) {
      Chunk c = source.next();
      if (c != null) {
        position++;
        if (position <= resumeFrom) {
          continue;
        }
        batch.add(c);
        runIds.add(c.id());
      }
      if (batch.size() >= batchSize || (c == null && !batch.isEmpty())) {
        send(batch);
        indexed += batch.size();
        sinceCheckpoint += batch.size();
        batch = new ArrayList<>(batchSize);
        if (sinceCheckpoint >= commitEvery) {
          checkpoint(new Checkpoint(sourceKey, position, false));
          sinceCheckpoint = 0;
        }
      }
      long now = System.nanoTime();
      if (c == null || now - lastReport > 250_000_000L) {
        lastReport = now;
        report(position - resumeFrom, source, start);
      }
      if (c == null) {
        break;
      }
    }
    if (position == 0) {
      throw new DataFormatException("the corpus is empty: no chunks were read from " + source
          + (source.skippedRows() > 0 ? " (" + source.skippedRows() + " bad rows skipped)" : "")
          + "; " + collection.target().describe() + " was not changed");
    }
    checkpoint(new Checkpoint(sourceKey, position, true));
    if (runIds.count() > 0) {
      LOG.warn("{}: {}", collection.target().describe(), runIds.describe());
    }
    return new IndexReport(indexed, Math.min(resumeFrom, position), source.skippedRows(), collection.documentCount(),
        Duration.ofNanos(System.nanoTime() - start), runIds.count(), runIds.first());
  }

  private void report(long read, ChunkSource source, long start) {
    double fraction = source.fractionRead();
    long total = !Double.isNaN(fraction) && fraction > 0 ? Math.max(read, Math.round(read / fraction)) : -1;
    progress.onProgress(Progress.of("index", read, total, "chunks", Duration.ofNanos(System.nanoTime() - start), Map.of()));
  }

  private void send(List<Chunk> chunks) {
    List<float[]> vectors = embedder == null ? null : embed(chunks);
    List<SolrInputDocument> docs = new ArrayList<>(chunks.size());
    for (int i = 0; i < chunks.size(); i++) {
      Chunk c = chunks.get(i);
      if (c.id().startsWith("_medadapt_")) {
        throw new DataFormatException("chunk id " + c.id() + " uses the prefix _medadapt_, reserved for "
            + collection.target().describe() + "'s own documents");
      }
      SolrInputDocument d = new SolrInputDocument();
      d.addField(ConfigSet.ID, c.id());
      d.addField(ConfigSet.TITLE, c.title());
      d.addField(ConfigSet.CONTENT, c.content());
      if (vectors != null) {
        float[] v = vectors.get(i);
        List<Float> list = new ArrayList<>(v.length);
        for (float x : v) {
          list.add(x);
        }
        d.addField(ConfigSet.VECTOR, list);
      }
      docs.add(d);
    }
    // Replace-by-id makes a retried batch idempotent.
    collection.call("adding " + docs.size() + " documents", () -> collection.client().add(collection.name(), docs));
  }

  private List<float[]> embed(List<Chunk> chunks) {
    return PassageEmbeddings.embed(embedder, embedder.info(), chunks);
  }

  /** Stores the position after every earlier batch was acknowledged, then commits (documents and checkpoint together). */
  private void checkpoint(Checkpoint c) {
    try {
      collection.writeState(SolrCollection.CHECKPOINT_ID, SolrCollection.JSON.writeValueAsString(c));
    } catch (JsonProcessingException e) {
      throw new ConfigurationException("cannot write checkpoint: " + e.getOriginalMessage(), e);
    }
    collection.commit();
  }

  private Checkpoint readCheckpoint() {
    String json = collection.readState(SolrCollection.CHECKPOINT_ID);
    if (json == null) {
      return null;
    }
    try {
      return SolrCollection.JSON.readValue(json, Checkpoint.class);
    } catch (JsonProcessingException e) {
      throw new DataFormatException(collection.target().describe() + ": unreadable checkpoint document "
          + SolrCollection.CHECKPOINT_ID + ": " + e.getOriginalMessage(), e);
    }
  }

  /** Nothing to release: the collection owns the client. Anything after the last checkpoint is re-sent by the next run. */
  @Override
  public void close() {}

  /** Builder; {@code embedder} is required for a collection with a vector field and refused for a BM25-only one. */
  public static final class Builder {
    private final SolrCollection collection;
    private Embedder embedder;
    private int batchSize = 256;
    private int commitEvery = 50_000;
    private ProgressListener progress = ProgressListener.NONE;

    private Builder(SolrCollection collection) {
      this.collection = collection;
    }

    /** The passage embedder; it must be the collection's ({@link SolrCollectionMetadata#embedder()}). */
    public Builder embedder(Embedder embedder) {
      this.embedder = embedder;
      return this;
    }

    /** Chunks per update request (and per embedding call), in [1, 65536]; default 256. */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Chunks between checkpoints (each a hard commit), at least 1; default 50,000 as the local writer. */
    public Builder commitEvery(int commitEvery) {
      this.commitEvery = commitEvery;
      return this;
    }

    /** Receives chunks/s and ETA. */
    public Builder progress(ProgressListener progress) {
      this.progress = progress;
      return this;
    }

    public SolrIndexWriter build() {
      Ensure.notNull(collection, "collection");
      Ensure.notNull(progress, "progress");
      Ensure.between(batchSize, 1, 65_536, "batchSize");
      Ensure.between(commitEvery, 1, Integer.MAX_VALUE, "commitEvery");
      SolrCollectionMetadata m = collection.metadata();
      if (m.dense() && embedder == null) {
        throw new ConfigurationException(collection.target().describe() + " has a vector field for embedder "
            + m.describeEmbedder() + ": set that embedder");
      }
      if (!m.dense() && embedder != null) {
        throw new CollectionMismatchException(collection.target().describe() + " is BM25-only but this run uses embedder "
            + embedder.info().description() + "; leave the embedder out (or create a new collection)");
      }
      if (m.dense() && !m.embedder().equals(embedder.info())) {
        throw new CollectionMismatchException(collection.target().describe() + " was built with embedder " + m.describeEmbedder()
            + " but this run uses " + embedder.info().description()
            + "; use the same embedder (or a new collection)");
      }
      return new SolrIndexWriter(this);
    }
  }
}
