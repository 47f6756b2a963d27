package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.EmbedderInfo;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.DenseRetriever;
import dev.medadapt.rag.retrieve.Retriever;
import dev.medadapt.solr.SolrBm25Retriever;
import dev.medadapt.solr.SolrCollection;
import dev.medadapt.solr.SolrDenseRetriever;
import dev.medadapt.solr.SolrTarget;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * Where a command retrieves from: a local index ({@code --index DIR}) or a SolrCloud collection
 * ({@code --solr-zk HOST:PORT[/chroot]} or {@code --solr-url URL[,URL...]}, with {@code --collection NAME}).
 * Used as an exclusive picocli argument group.
 */
final class RetrievalTarget {
  @Option(names = "--index", paramLabel = "DIR", description = "A local index directory.")
  Path index;

  @ArgGroup(exclusive = false)
  Solr solr;

  /** A SolrCloud collection. */
  static final class Solr {
    @Option(names = "--solr-zk", paramLabel = "HOST:PORT[/chroot]", description = "SolrCloud's ZooKeeper (comma-separated hosts, optional chroot).")
    String zk;

    @Option(names = "--solr-url", paramLabel = "URL", split = ",", description = "Solr node URLs, e.g. http://host:8983/solr (instead of --solr-zk).")
    List<String> urls;

    @Option(names = "--collection", required = true, paramLabel = "NAME", description = "The SolrCloud collection (with --solr-zk or --solr-url).")
    String collection;

    SolrTarget target() {
      if ((zk == null) == (urls == null || urls.isEmpty())) {
        throw new ConfigurationException("--collection " + collection + " needs exactly one of --solr-zk and --solr-url");
      }
      return zk != null ? SolrTarget.zk(zk, collection) : SolrTarget.urls(urls, collection);
    }
  }

  /** Opens the index or connects to the collection (checking it). */
  Opened open() {
    return index != null ? local(index) : solr(solr);
  }

  static Opened local(Path dir) {
    return new Local(RagIndex.open(dir), dir);
  }

  static Opened solr(Solr s) {
    return new Remote(SolrCollection.open(s.target()));
  }

  /** An open retrieval target: BM25 and dense retrievers over it. */
  interface Opened extends AutoCloseable {
    /** For messages: the index directory or the collection. */
    String where();

    /** "index" or "collection". */
    String kind();

    /** Passages it holds. */
    long size();

    /** The passage embedder, or null for BM25 only. */
    EmbedderInfo embedder();

    Retriever bm25();

    Retriever dense(Embedder queryEmbedder);

    @Override
    void close();
  }

  private record Local(RagIndex idx, Path dir) implements Opened {
    @Override
    public String where() {
      return dir.toString();
    }

    @Override
    public String kind() {
      return "index";
    }

    @Override
    public long size() {
      return idx.size();
    }

    @Override
    public EmbedderInfo embedder() {
      return idx.metadata().embedder();
    }

    @Override
    public Retriever bm25() {
      return Bm25Retriever.builder(idx).build();
    }

    @Override
    public Retriever dense(Embedder e) {
      return DenseRetriever.builder(idx, e).build();
    }

    @Override
    public void close() {
      idx.close();
    }
  }

  private record Remote(SolrCollection c) implements Opened {
    @Override
    public String where() {
      return c.target().describe();
    }

    @Override
    public String kind() {
      return "collection";
    }

    @Override
    public long size() {
      return c.documentCount();
    }

    @Override
    public EmbedderInfo embedder() {
      return c.metadata().embedder();
    }

    @Override
    public Retriever bm25() {
      return SolrBm25Retriever.builder(c).build();
    }

    @Override
    public Retriever dense(Embedder e) {
      return SolrDenseRetriever.builder(c, e).build();
    }

    @Override
    public void close() {
      c.close();
    }
  }
}
