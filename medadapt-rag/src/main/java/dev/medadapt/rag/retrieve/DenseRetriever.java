package dev.medadapt.rag.retrieve;

import dev.medadapt.core.StorageException;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.EmbedderInfo;
import dev.medadapt.rag.index.IndexFields;
import dev.medadapt.rag.index.RagIndex;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.Bits;

/**
 * Dense retrieval over the index's HNSW vector field, or exact (brute-force) search, which is the
 * default for small indexes where it is both fast and exact. Scores are Lucene's: (1 + cos) / 2.
 * The query embedder must equal the index's passage embedder ({@link RagIndex#checkQueryEmbedder}).
 * Thread-safe if the embedder is.
 *
 * <pre>{@code
 * DenseRetriever dense = DenseRetriever.builder(index, embedder).build();
 * double recall = dense.hnswRecall(queries, 10); // HNSW vs exact
 * }</pre>
 */
public final class DenseRetriever implements IdRanker {

  /** How to search. */
  public enum Mode {
    /** Exact below {@code exactThreshold} documents, HNSW above (default). */
    AUTO,
    /** Always the HNSW graph. */
    HNSW,
    /** Always brute force over all vectors. */
    EXACT
  }

  private final RagIndex index;
  private final Embedder embedder;
  private final Mode mode;
  private final int exactThreshold;
  private final int numCandidates;
  private final VectorSimilarityFunction similarity;

  private DenseRetriever(Builder b) {
    this.index = b.index;
    this.embedder = b.embedder;
    this.mode = b.mode;
    this.exactThreshold = b.exactThreshold;
    this.numCandidates = b.numCandidates;
    this.similarity = VectorSimilarityFunction.valueOf(index.metadata().vectorSimilarity());
  }

  public static Builder builder(RagIndex index, Embedder embedder) {
    return new Builder(index, embedder);
  }

  @Override
  public List<Hit> retrieve(String query, int k) {
    return search(embed(query), k, useExact());
  }

  @Override
  public List<ScoredId> rankIds(String query, int n) {
    float[] v = embed(query);
    boolean exact = useExact();
    Ensure.positive(n, "n");
    return index.withSearcher(
        s -> {
          try {
            return Hits.ids(s, exact ? exact(s, v, n) : hnsw(s, v, n));
          } catch (IOException e) {
            throw new StorageException("dense search failed in index", index.directory(), e);
          }
        });
  }

  @Override
  public RagIndex index() {
    return index;
  }

  private boolean useExact() {
    return mode == Mode.EXACT || (mode == Mode.AUTO && index.size() <= exactThreshold);
  }

  /** HNSW search, whatever the mode. */
  public List<Hit> retrieveHnsw(String query, int k) {
    return search(embed(query), k, false);
  }

  /** Exact search, whatever the mode. */
  public List<Hit> retrieveExact(String query, int k) {
    return search(embed(query), k, true);
  }

  /**
   * Mean over {@code queries} of |HNSW top-k ∩ exact top-k| / |exact top-k|: how much the
   * approximate graph search loses against brute force on this index.
   */
  public double hnswRecall(List<String> queries, int k) {
    Ensure.notEmpty(queries, "queries");
    double sum = 0;
    for (String q : queries) {
      float[] v = embed(q);
      List<Hit> exact = search(v, k, true);
      if (exact.isEmpty()) {
        sum += 1;
        continue;
      }
      Set<String> approx = new HashSet<>();
      for (Hit h : search(v, k, false)) {
        approx.add(h.id());
      }
      long found = exact.stream().filter(h -> approx.contains(h.id())).count();
      sum += (double) found / exact.size();
    }
    return sum / queries.size();
  }

  private float[] embed(String query) {
    float[] v = embedder.embedQuery(query);
    EmbedderInfo info = embedder.info();
    if (v == null || v.length != info.dimension()) {
      throw new ModelFormatException("embedding dimension mismatch: query embedder " + info.name() + " declares dimension "
          + info.dimension() + " but returned " + (v == null ? "no vector" : v.length + " values"));
    }
    return v;
  }

  private List<Hit> search(float[] q, int k, boolean exact) {
    Ensure.positive(k, "k");
    return index.withSearcher(
        s -> {
          try {
            ScoreDoc[] docs = exact ? exact(s, q, k) : hnsw(s, q, k);
            return Hits.load(s, docs);
          } catch (IOException e) {
            throw new StorageException("dense search failed in index", index.directory(), e);
          }
        });
  }

  private ScoreDoc[] hnsw(IndexSearcher s, float[] q, int k) throws IOException {
    // Search a wider beam (numCandidates) and keep the best k, as Lucene/Elasticsearch do for recall.
    TopDocs top = s.search(new KnnFloatVectorQuery(IndexFields.VECTOR, q, Math.max(k, numCandidates)), Math.max(k, numCandidates));
    return Arrays.copyOf(top.scoreDocs, Math.min(k, top.scoreDocs.length));
  }

  private ScoreDoc[] exact(IndexSearcher s, float[] q, int k) throws IOException {
    // min-heap of the best k: lowest score first; equal scores keep the lower doc id (Lucene's order)
    PriorityQueue<ScoreDoc> heap =
        new PriorityQueue<>(k + 1, (a, b) -> a.score != b.score ? Float.compare(a.score, b.score) : Integer.compare(b.doc, a.doc));
    for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
      FloatVectorValues values = leaf.reader().getFloatVectorValues(IndexFields.VECTOR);
      if (values == null) {
        continue;
      }
      Bits live = leaf.reader().getLiveDocs();
      for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
        if (live != null && !live.get(doc)) {
          continue;
        }
        float score = similarity.compare(q, values.vectorValue());
        ScoreDoc sd = new ScoreDoc(leaf.docBase + doc, score);
        if (heap.size() < k) {
          heap.add(sd);
        } else if (heap.comparator().compare(sd, heap.peek()) > 0) {
          heap.poll();
          heap.add(sd);
        }
      }
    }
    ScoreDoc[] out = new ScoreDoc[heap.size()];
    for (int i = out.length - 1; i >= 0; i--) {
      out[i] = heap.poll();
    }
    return out;
  }

  /** Builder. */
  public static final class Builder {
    private final RagIndex index;
    private final Embedder embedder;
    private Mode mode = Mode.AUTO;
    private int exactThreshold = 20_000;
    private int numCandidates = 100;

    private Builder(RagIndex index, Embedder embedder) {
      this.index = index;
      this.embedder = embedder;
    }

    public Builder mode(Mode mode) {
      this.mode = mode;
      return this;
    }

    /** Largest index (live documents) searched exactly in {@link Mode#AUTO} (default 20,000). */
    public Builder exactThreshold(int exactThreshold) {
      this.exactThreshold = exactThreshold;
      return this;
    }

    /** HNSW beam width per query (default 100; at least k is used). */
    public Builder numCandidates(int numCandidates) {
      this.numCandidates = numCandidates;
      return this;
    }

    public DenseRetriever build() {
      Ensure.notNull(index, "index");
      Ensure.notNull(embedder, "embedder");
      Ensure.notNull(mode, "mode");
      Ensure.between(exactThreshold, 0, Integer.MAX_VALUE, "exactThreshold");
      Ensure.between(numCandidates, 1, 10_000, "numCandidates");
      index.checkQueryEmbedder(embedder.info());
      if (index.metadata().vectorSimilarity() == null) {
        throw new ConfigurationException(index.directory() + ": index metadata has no vector similarity");
      }
      return new DenseRetriever(this);
    }
  }
}
