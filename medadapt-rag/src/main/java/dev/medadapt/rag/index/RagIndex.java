package dev.medadapt.rag.index;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.rag.embed.EmbedderInfo;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.apache.lucene.index.IndexNotFoundException;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * A read-only view of an index directory built by {@link RagIndexWriter}, shared by retrievers.
 * Thread-safe: searches acquire a searcher from a {@link SearcherManager}; {@link #refresh()} picks up
 * commits made since opening.
 *
 * <pre>{@code
 * try (RagIndex index = RagIndex.open(Path.of("idx"))) {
 *   Retriever bm25 = Bm25Retriever.builder(index).build();
 *   List<Hit> hits = bm25.retrieve("first-line treatment of hypertension", 10);
 * }
 * }</pre>
 */
public final class RagIndex implements AutoCloseable {
  private final Path dir;
  private final Directory directory;
  private final SearcherManager searchers;
  private final IndexMetadata metadata;
  private final Analyzer analyzer;

  private RagIndex(Path dir, Directory directory, SearcherManager searchers, IndexMetadata metadata) {
    this.dir = dir;
    this.directory = directory;
    this.searchers = searchers;
    this.metadata = metadata;
    this.analyzer = metadata.analyzer().analyzer();
  }

  /** Opens the index in {@code dir}; a missing, foreign or corrupted index is a {@link DataFormatException} naming the file. */
  public static RagIndex open(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new DataFormatException(dir + ": index directory not found");
    }
    Directory directory = null;
    try {
      directory = FSDirectory.open(dir);
      IndexMetadata metadata = readMetadata(dir, directory);
      if (metadata == null) {
        throw new DataFormatException(dir + ": no index found (expected " + IndexMetadata.FILE_NAME
            + " and Lucene files; build one with `medadapt index`)");
      }
      DirectoryReader reader = DirectoryReader.open(directory);
      // Fail now, not at the first query, if stored fields or vectors are unreadable.
      SearcherManager sm = new SearcherManager(reader, null);
      return new RagIndex(dir, directory, sm, metadata);
    } catch (IOException e) {
      closeQuietly(directory);
      throw corrupt(dir, e);
    } catch (RuntimeException e) {
      closeQuietly(directory);
      throw e;
    }
  }

  /**
   * The metadata of the index in {@code dir}: the file, or (if only the file is missing) the copy in
   * the last commit, which is then written back. Null if there is neither file nor index.
   */
  static IndexMetadata readMetadata(Path dir, Directory directory) {
    IndexMetadata fromFile = IndexMetadata.read(dir);
    if (fromFile != null) {
      return fromFile;
    }
    try {
      if (!DirectoryReader.indexExists(directory)) {
        return null;
      }
      List<IndexCommit> commits = DirectoryReader.listCommits(directory);
      String json = commits.get(commits.size() - 1).getUserData().get(RagIndexWriter.KEY_METADATA);
      if (json == null) {
        throw new DataFormatException(dir + ": a Lucene index without " + IndexMetadata.FILE_NAME
            + " (not built by MedAdapt); refusing to use or change it");
      }
      IndexMetadata m = IndexMetadata.fromJson(json, dir + " (last commit)");
      m.write(dir);
      return m;
    } catch (IOException e) {
      throw corrupt(dir, e);
    }
  }

  /** Maps Lucene's I/O failures to a clear error that names the index and the damaged file. */
  static DataFormatException corrupt(Path dir, IOException e) {
    if (e instanceof IndexNotFoundException) {
      return new DataFormatException(dir + ": no Lucene commit found (" + e.getMessage() + ")", e);
    }
    if (e instanceof CorruptIndexException
        || e instanceof EOFException
        || e instanceof NoSuchFileException
        || e instanceof FileNotFoundException) {
      return new DataFormatException(dir + ": the index is corrupted or incomplete: " + e.getMessage()
          + ". Nothing was modified; rebuild the index, or restore it from a copy", e);
    }
    if (e instanceof IndexFormatTooOldException || e instanceof IndexFormatTooNewException) {
      return new DataFormatException(dir + ": index written by an incompatible Lucene version: " + e.getMessage(), e);
    }
    return new DataFormatException(dir + ": cannot read the index: " + e, e);
  }

  public Path directory() {
    return dir;
  }

  public IndexMetadata metadata() {
    return metadata;
  }

  /** Whether {@code field} is indexed for BM25 (has postings) in every segment that has it, and in at least one. */
  public boolean isBm25Field(String field) {
    return withSearcher(
        s -> {
          org.apache.lucene.index.FieldInfo fi =
              org.apache.lucene.index.FieldInfos.getMergedFieldInfos(s.getIndexReader()).fieldInfo(field);
          return fi != null && fi.getIndexOptions() != org.apache.lucene.index.IndexOptions.NONE;
        });
  }

  /** The analyzer the BM25 fields were indexed with. */
  public Analyzer analyzer() {
    return analyzer;
  }

  /** Live documents. */
  public int size() {
    return withSearcher(s -> s.getIndexReader().numDocs());
  }

  /**
   * Refuses a query embedder that differs from the one the passages were embedded with (name,
   * dimension, normalization, pooling), or any embedder on a BM25-only index.
   */
  public void checkQueryEmbedder(EmbedderInfo query) {
    if (!metadata.dense()) {
      throw new ConfigurationException(dir + ": the index is BM25-only (built with --bm25-only); dense search is not possible");
    }
    if (!metadata.embedder().equals(query)) {
      throw new ConfigurationException(dir + ": query embedder " + query.description()
          + " does not match the index's passage embedder " + metadata.describeEmbedder());
    }
  }

  /** Runs {@code fn} with a searcher of the current point-in-time view. */
  public <T> T withSearcher(Function<IndexSearcher, T> fn) {
    IndexSearcher s;
    try {
      s = searchers.acquire();
    } catch (IOException e) {
      throw corrupt(dir, e);
    }
    try {
      return fn.apply(s);
    } finally {
      try {
        searchers.release(s);
      } catch (IOException e) {
        throw corrupt(dir, e);
      }
    }
  }

  /** Picks up commits made since the index was opened (for example by a concurrent writer). */
  public void refresh() {
    try {
      searchers.maybeRefreshBlocking();
    } catch (IOException e) {
      throw corrupt(dir, e);
    }
  }

  @Override
  public void close() {
    try {
      searchers.close();
    } catch (IOException e) {
      throw corrupt(dir, e);
    } finally {
      closeQuietly(directory);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception ignored) {
      // the primary failure is being reported
    }
  }
}
