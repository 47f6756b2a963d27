package dev.medadapt.rag.index;

import dev.medadapt.core.StorageException;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.EmbedderInfo;
import dev.medadapt.rag.embed.PassageEmbeddings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.Version;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds or extends a persistent index directory: BM25 fields plus, unless BM25-only, an HNSW
 * vector field filled by an {@link Embedder}.
 *
 * <p>Adding a chunk whose id is already indexed replaces it, so re-running over the same input
 * never duplicates. Ids that repeat within one run's input are counted and named in the
 * {@link IndexReport} and a warning (the later chunk replaced the earlier one). Every {@code commitEvery} chunks the writer commits atomically (Lucene's
 * two-phase commit) and records in the commit's user data how far into the input it got; a run that
 * is killed (even with {@code kill -9}) and started again over the same input skips what was
 * committed, so every chunk ends up in the index exactly once and nothing is embedded twice.
 * Embedding runs on a worker thread, one batch ahead of the Lucene indexing.
 *
 * <pre>{@code
 * try (RagIndexWriter w = RagIndexWriter.builder(Path.of("idx")).embedder(embedder).progress(bar).build();
 *     ChunkSource src = Corpora.open(files, BadRowPolicy.FAIL)) {
 *   IndexReport r = w.index(src, RagIndexWriter.sourceKey(files));
 * }
 * }</pre>
 */
public final class RagIndexWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RagIndexWriter.class);

  /** Commit user-data keys. */
  static final String KEY_SOURCE = "medadapt.source";

  static final String KEY_POSITION = "medadapt.position";
  static final String KEY_COMPLETE = "medadapt.complete";
  static final String KEY_METADATA = "medadapt.metadata";

  /**
   * Most ids remembered for the fresh-index fast path (about 100 bytes each); beyond it, chunks are
   * written with updateDocument, which is always correct and only slower.
   */
  static final int FRESH_ID_LIMIT = 5_000_000;

  /**
   * BM25 text fields: analyzed, documents and term frequencies but no positions. BM25 needs only
   * term frequencies and field lengths (norms); leaving positions out saves about a tenth of the
   * indexing time and the .pos file. Phrase and span queries are therefore not supported.
   */
  static final FieldType BM25_STORED = bm25(true);

  static final FieldType BM25_NOT_STORED = bm25(false);

  private static FieldType bm25(boolean stored) {
    FieldType t = new FieldType(stored ? TextField.TYPE_STORED : TextField.TYPE_NOT_STORED);
    t.setIndexOptions(IndexOptions.DOCS_AND_FREQS);
    t.freeze();
    return t;
  }

  /** Tolerance on |v|^2 - 1 for vectors an embedder declares normalized (float32 round-off is ~1e-6). */

  private final Path dir;
  private final Directory directory;
  private final IndexWriter writer;
  private final IndexMetadata metadata;
  private final Embedder embedder;
  private final VectorSimilarityFunction similarity;
  private final int batchSize;
  private final int commitEvery;
  private final long commitIntervalNanos;
  private final ProgressListener progress;
  private final ExecutorService embedThread;
  private final DocBuilder doc;
  /** Ids written by this run, to report repeats. */
  private DuplicateIds runIds;
  /** The index had no documents when this run started: a first-seen id needs no delete-by-term. */
  private boolean fresh;

  private RagIndexWriter(Builder b) {
    this.dir = b.dir;
    this.embedder = b.bm25Only ? null : b.embedder;
    this.batchSize = b.batchSize;
    this.commitEvery = b.commitEvery;
    this.commitIntervalNanos = b.commitInterval.toNanos();
    this.progress = b.progress;
    EmbedderInfo info = embedder == null ? null : embedder.info();
    if (info != null) {
      Ensure.between(info.dimension(), 1, 4096, "embedder dimension"); // Lucene 9 KNN field limit
    }
    this.similarity = info == null ? null : info.normalized() ? VectorSimilarityFunction.DOT_PRODUCT : VectorSimilarityFunction.COSINE;
    IndexMetadata wanted =
        new IndexMetadata(IndexMetadata.FORMAT, info, similarity == null ? null : similarity.name(), b.analyzer, Version.LATEST.toString());
    try {
      Files.createDirectories(dir);
      this.directory = FSDirectory.open(dir);
    } catch (IOException e) {
      throw new ConfigurationException(dir + ": cannot create index directory: " + e.getMessage(), e);
    }
    IndexMetadata existing;
    try {
      existing = RagIndex.readMetadata(dir, directory);
      if (existing != null) {
        checkCompatible(existing, wanted);
      }
    } catch (RuntimeException e) {
      closeQuietly(directory);
      throw e;
    }
    this.metadata = existing == null ? wanted : existing;
    IndexWriterConfig cfg = new IndexWriterConfig(metadata.analyzer().analyzer());
    cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
    cfg.setRAMBufferSizeMB(b.ramBufferMb);
    cfg.setUseCompoundFile(false);
    cfg.setCommitOnClose(false); // only explicit commits carry a resume position
    KnnVectorsFormat vectors = new Lucene99HnswVectorsFormat(b.hnswMaxConn, b.hnswBeamWidth);
    // Stored fields: BEST_SPEED (LZ4) is Lucene912Codec's default; named here because it is a choice.
    cfg.setCodec(
        new Lucene912Codec(Lucene912Codec.Mode.BEST_SPEED) {
          @Override
          public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
            return vectors;
          }
        });
    try {
      this.writer = new IndexWriter(directory, cfg);
    } catch (LockObtainFailedException e) {
      closeQuietly(directory);
      throw new IndexLockedException(
          dir.resolve(IndexWriter.WRITE_LOCK_NAME) + ": the index is locked by another writer (another `medadapt index` "
              + "run or program); wait for it to finish. Nothing was changed.", e);
    } catch (IOException e) {
      closeQuietly(directory);
      throw RagIndex.corrupt(dir, e);
    }
    if (existing == null) {
      metadata.write(dir);
    }
    this.doc = new DocBuilder(b.contentField);
    this.embedThread =
        embedder == null
            ? null
            : Executors.newSingleThreadExecutor(
                r -> {
                  Thread t = new Thread(r, "medadapt-embed");
                  t.setDaemon(true);
                  return t;
                });
  }

  /** A builder for an index in {@code dir} (created if missing, extended if present). */
  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  /** This index's metadata. */
  public IndexMetadata metadata() {
    return metadata;
  }

  /**
   * A key identifying an input for resume: the absolute paths, sizes and modification times of the
   * files. A run resumes only from a commit made for the same key.
   */
  public static String sourceKey(List<Path> inputs) {
    StringBuilder sb = new StringBuilder();
    for (Path p : inputs) {
      Path a = p.toAbsolutePath().normalize();
      sb.append(a);
      try {
        if (Files.isRegularFile(a)) {
          sb.append('|').append(Files.size(a)).append('|').append(Files.getLastModifiedTime(a).toMillis());
        } else if (Files.isDirectory(a)) {
          try (var s = Files.walk(a)) {
            long[] sum = {0, 0};
            s.filter(Files::isRegularFile).forEach(f -> {
              try {
                sum[0] += Files.size(f);
                sum[1] = Math.max(sum[1], Files.getLastModifiedTime(f).toMillis());
              } catch (IOException e) {
                throw new StorageException("cannot read the size and time of corpus file", f, e);
              }
            });
            sb.append("|dir|").append(sum[0]).append('|').append(sum[1]);
          }
        }
      } catch (IOException | StorageException e) {
        sb.append("|unreadable");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /**
   * Indexes every chunk of {@code source}. When the last commit was made for the same
   * {@code sourceKey}, the chunks it already covered are read but not re-embedded nor re-written.
   */
  public IndexReport index(ChunkSource source, String sourceKey) {
    long start = System.nanoTime();
    Map<String, String> last = lastCommitData();
    long resumeFrom = 0;
    if (sourceKey.equals(last.get(KEY_SOURCE))) {
      resumeFrom = Long.parseLong(last.getOrDefault(KEY_POSITION, "0"));
      if (resumeFrom > 0) {
        LOG.info("{}: resuming after {} chunks committed by an earlier run{}", dir, resumeFrom,
            "true".equals(last.get(KEY_COMPLETE)) ? " (that run completed)" : "");
      }
    }
    // Fresh-index fast path: nothing to replace unless this run repeats an id (tracked in runIds).
    fresh = resumeFrom == 0 && writer.getDocStats().maxDoc == 0;
    runIds = new DuplicateIds(FRESH_ID_LIMIT);
    long position = 0;
    long indexed = 0;
    long sinceCommit = 0;
    long lastReport = 0;
    long lastCommit = System.nanoTime();
    Future<List<float[]>> pendingVectors = null;
    List<Chunk> pendingBatch = null;
    List<Chunk> batch = new ArrayList<>(batchSize);
    try {
      while (true) {
        Chunk c = source.next();
        if (c != null) {
          position++;
          if (position <= resumeFrom) {
            continue;
          }
          batch.add(c);
        }
        boolean flushBatch = batch.size() >= batchSize || (c == null && !batch.isEmpty());
        if (flushBatch) {
          // Start embedding this batch, then write the previous one while the worker embeds.
          List<Chunk> current = batch;
          batch = new ArrayList<>(batchSize);
          Future<List<float[]>> vectors = embedder == null ? null : embedThread.submit(() -> embed(current));
          if (pendingBatch != null) {
            indexed += write(pendingBatch, pendingVectors);
            sinceCommit += pendingBatch.size();
          }
          pendingBatch = current;
          pendingVectors = vectors;
          if (sinceCommit >= commitEvery || (sinceCommit > 0 && System.nanoTime() - lastCommit >= commitIntervalNanos)) {
            // position counts chunks read; the one batch still embedding is not yet written
            commit(sourceKey, position - pendingBatch.size() - batch.size(), false);
            sinceCommit = 0;
            lastCommit = System.nanoTime();
          }
        }
        long now = System.nanoTime();
        if (c == null || now - lastReport > 250_000_000L) {
          lastReport = now;
          report(indexed, source, start, position - resumeFrom);
        }
        if (c == null) {
          break;
        }
      }
      if (pendingBatch != null) {
        indexed += write(pendingBatch, pendingVectors);
      }
      if (position == 0) {
        throw new DataFormatException("the corpus is empty: no chunks were read from " + source
            + (source.skippedRows() > 0 ? " (" + source.skippedRows() + " bad rows skipped)" : "")
            + "; the index in " + dir + " was not changed");
      }
      commit(sourceKey, position, true);
      report(indexed, source, start, position - resumeFrom);
      long docs = writer.getDocStats().numDocs; // exact after a commit: its deletes are applied
      if (runIds.count() > 0) {
        LOG.warn("{}: {}", dir, runIds.describe());
      }
      return new IndexReport(indexed, Math.min(resumeFrom, position), source.skippedRows(), docs,
          Duration.ofNanos(System.nanoTime() - start), runIds.count(), runIds.first());
    } catch (IOException e) {
      throw new DataFormatException(dir + ": cannot write the index: " + e.getMessage()
          + " (the last commit is intact; run again to resume)", e);
    } finally {
      if (pendingVectors != null) {
        pendingVectors.cancel(true);
      }
    }
  }

  private void report(long indexed, ChunkSource source, long start, long read) {
    double fraction = source.fractionRead();
    long total = !Double.isNaN(fraction) && fraction > 0 ? Math.max(read, Math.round(read / fraction)) : -1;
    Map<String, Object> metrics = new LinkedHashMap<>();
    if (source.skippedRows() > 0) {
      metrics.put("skipped", source.skippedRows());
    }
    progress.onProgress(
        Progress.of("index", read, total, "chunks", Duration.ofNanos(System.nanoTime() - start), metrics));
  }

  private List<float[]> embed(List<Chunk> chunks) {
    return PassageEmbeddings.embed(embedder, metadata.embedder(), chunks);
  }

  private long write(List<Chunk> chunks, Future<List<float[]>> vectors) throws IOException {
    List<float[]> v = null;
    if (vectors != null) {
      try {
        v = vectors.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ConfigurationException("indexing interrupted; the last commit is intact", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw new ModelFormatException("embedder failed: " + e.getCause(), e.getCause());
      }
    }
    for (int i = 0; i < chunks.size(); i++) {
      Chunk c = chunks.get(i);
      Document d = doc.fill(c, v == null ? null : v.get(i));
      boolean firstInRun = runIds.add(c.id());
      if (fresh && firstInRun) {
        // The index was empty when this run started and this run has not written the id yet: there is
        // nothing to replace, so skip the delete-by-term that updateDocument buffers and applies.
        writer.addDocument(d);
      } else {
        writer.updateDocument(new Term(IndexFields.ID, c.id()), d);
      }
    }
    return chunks.size();
  }

  /**
   * One reusable Lucene document (Lucene allows reusing Field instances between add calls on one
   * thread; it saves allocating fields and a {@code title + ". " + content} string per chunk).
   */
  private final class DocBuilder {
    private final Document doc = new Document();
    private final StringField id = new StringField(IndexFields.ID, "", Field.Store.YES);
    // doc values copy: fusion reads candidate ids without decompressing stored documents
    private final BinaryDocValuesField idValue = new BinaryDocValuesField(IndexFields.ID, new BytesRef());
    private final Field title = new Field(IndexFields.TITLE, "", BM25_STORED);
    private final Field content;
    // MedRAG's contents as two values of one field: the same terms and length as the string
    // title + ". " + content (the separator has no terms, and without positions the gap is moot)
    private final Field contentsTitle = new Field(IndexFields.CONTENTS, "", BM25_NOT_STORED);
    private final Field contentsContent = new Field(IndexFields.CONTENTS, "", BM25_NOT_STORED);
    private KnnFloatVectorField vector;

    DocBuilder(boolean contentField) {
      content = contentField ? new Field(IndexFields.CONTENT, "", BM25_STORED) : new StoredField(IndexFields.CONTENT, "");
      doc.add(id);
      doc.add(idValue);
      doc.add(title);
      doc.add(content);
      doc.add(contentsTitle);
      doc.add(contentsContent);
    }

    Document fill(Chunk c, float[] v) {
      id.setStringValue(c.id());
      idValue.setBytesValue(new BytesRef(c.id()));
      title.setStringValue(c.title());
      content.setStringValue(c.content());
      contentsTitle.setStringValue(c.title());
      contentsContent.setStringValue(c.content());
      if (v != null) {
        if (vector == null) {
          vector = new KnnFloatVectorField(IndexFields.VECTOR, v, similarity);
          doc.add(vector);
        } else {
          vector.setVectorValue(v);
        }
      }
      return doc;
    }
  }

  private void commit(String sourceKey, long position, boolean complete) throws IOException {
    Map<String, String> data = new HashMap<>();
    data.put(KEY_SOURCE, sourceKey);
    data.put(KEY_POSITION, Long.toString(position));
    data.put(KEY_COMPLETE, Boolean.toString(complete));
    data.put(KEY_METADATA, metadata.toJson());
    writer.setLiveCommitData(data.entrySet());
    writer.commit();
  }

  private Map<String, String> lastCommitData() {
    try {
      if (!DirectoryReader.indexExists(directory)) {
        return Map.of();
      }
      List<IndexCommit> commits = DirectoryReader.listCommits(directory);
      return commits.get(commits.size() - 1).getUserData();
    } catch (IOException e) {
      throw RagIndex.corrupt(dir, e);
    }
  }

  private static void checkCompatible(IndexMetadata existing, IndexMetadata wanted) {
    String where = "";
    if (existing.dense() != wanted.dense() || (existing.dense() && !existing.embedder().equals(wanted.embedder()))) {
      throw new ConfigurationException(where + "the index was built with embedder " + existing.describeEmbedder()
          + " but this run uses " + wanted.describeEmbedder() + "; use the same embedder (or a new index directory)");
    }
    if (!existing.analyzer().equals(wanted.analyzer())) {
      throw new ConfigurationException("the index was built with analyzer " + existing.analyzer()
          + " but this run asks for " + wanted.analyzer());
    }
  }

  @Override
  public void close() {
    if (embedThread != null) {
      embedThread.shutdownNow();
    }
    try {
      writer.rollback(); // drops anything after the last commit; commits are explicit
    } catch (IOException e) {
      LOG.warn("{}: closing index writer", dir, e);
    } finally {
      closeQuietly(directory);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("close", e);
    }
  }

  /** Builder; {@code embedder} is required unless {@link #bm25Only()}. */
  public static final class Builder {
    private final Path dir;
    private Embedder embedder;
    private boolean bm25Only;
    private AnalyzerSettings analyzer = AnalyzerSettings.english();
    private int batchSize = 64;
    private int commitEvery = 50_000;
    // A slow embedder (a transformer on CPU: ~50 passages/s) would take 15+ minutes for 50,000
    // chunks; committing at least every 5 minutes bounds what a crash can cost.
    private Duration commitInterval = Duration.ofMinutes(5);
    private double ramBufferMb = 256;
    private boolean contentField;
    private int hnswMaxConn = Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN;
    private int hnswBeamWidth = Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH;
    private ProgressListener progress = ProgressListener.NONE;

    private Builder(Path dir) {
      this.dir = dir;
    }

    /** The passage embedder (its {@link EmbedderInfo} is recorded in the index metadata). */
    public Builder embedder(Embedder embedder) {
      this.embedder = embedder;
      return this;
    }

    /** No vector field: BM25 only, nothing is embedded. */
    public Builder bm25Only() {
      this.bm25Only = true;
      return this;
    }

    /** BM25 analysis (default {@link AnalyzerSettings#english()}); must match an existing index's. */
    public Builder analyzer(AnalyzerSettings analyzer) {
      this.analyzer = analyzer;
      return this;
    }

    /** Passages per embedding call (default 64). */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Chunks between commits (default 50,000); with {@link #commitInterval} it bounds the work a crash can cost. */
    public Builder commitEvery(int commitEvery) {
      this.commitEvery = commitEvery;
      return this;
    }

    /** Longest time between commits while chunks are pending (default 5 minutes). */
    public Builder commitInterval(Duration commitInterval) {
      this.commitInterval = commitInterval;
      return this;
    }

    /** Lucene's indexing RAM buffer in MB (default 256). */
    public Builder ramBufferMb(double ramBufferMb) {
      this.ramBufferMb = ramBufferMb;
      return this;
    }

    /**
     * Also index {@code content} as a BM25 field of its own, so that {@code Bm25Retriever.field("content")}
     * can search it (default false: content is stored, and its words are searchable through
     * {@code contents} together with the title). It indexes every content word a second time, so
     * BM25 indexing is markedly slower (not measured in the benchmark).
     */
    public Builder contentField(boolean contentField) {
      this.contentField = contentField;
      return this;
    }

    /**
     * HNSW graph degree: neighbours kept per node (Lucene's {@code maxConn}, the M of the HNSW paper),
     * in [2, 512]; default 16 (Lucene's). Higher gives better recall for a given query-time
     * {@code numCandidates} at the cost of a larger index and slower indexing. Applies to vectors
     * written by this writer (segments merged later keep the setting of the merging writer).
     */
    public Builder hnswMaxConn(int hnswMaxConn) {
      this.hnswMaxConn = hnswMaxConn;
      return this;
    }

    /**
     * HNSW construction beam width (Lucene's {@code beamWidth}, efConstruction in the HNSW paper), in
     * [1, 3200]; default 100 (Lucene's). Higher builds a better graph, more slowly.
     */
    public Builder hnswBeamWidth(int hnswBeamWidth) {
      this.hnswBeamWidth = hnswBeamWidth;
      return this;
    }

    /** Receives chunks/s and ETA (the total is estimated from the bytes read). */
    public Builder progress(ProgressListener progress) {
      this.progress = progress;
      return this;
    }

    public RagIndexWriter build() {
      Ensure.notNull(dir, "index directory");
      Ensure.notNull(analyzer, "analyzer");
      Ensure.notNull(progress, "progress");
      if (!bm25Only && embedder == null) {
        throw new ConfigurationException("embedder must be set (or choose bm25Only())");
      }
      Ensure.between(batchSize, 1, 65_536, "batchSize");
      Ensure.between(commitEvery, 1, Integer.MAX_VALUE, "commitEvery");
      Ensure.notNull(commitInterval, "commitInterval");
      if (commitInterval.isNegative()) {
        throw new ConfigurationException("commitInterval must be >= 0, was " + commitInterval);
      }
      Ensure.between(ramBufferMb, 1.0, 2047.0, "ramBufferMb");
      Ensure.between(hnswMaxConn, 2, Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN, "hnswMaxConn");
      Ensure.between(hnswBeamWidth, 1, Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH, "hnswBeamWidth");
      return new RagIndexWriter(this);
    }
  }
}
