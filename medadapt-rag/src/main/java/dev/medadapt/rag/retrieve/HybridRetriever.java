package dev.medadapt.rag.retrieve;

import dev.medadapt.core.StorageException;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;

/**
 * Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009) of several retrievers:
 * {@code score(d) = sum_r weight_r / (rrfK + rank_r(d))} with 1-based ranks, over each retriever's
 * top {@code depth} hits. Ties are broken by id so results are deterministic. Thread-safe if the
 * retrievers are.
 *
 * <p>{@code rrfK} defaults to 60, the paper's value; MedRAG fuses its retrievers with
 * {@code rrf_k=100} (src/medrag.py {@code MedRAG.answer(..., rrf_k=100)}, fused in src/utils.py
 * {@code RetrievalSystem.merge} as {@code 1 / (rrf_k + j + 1)} for 0-based j).
 *
 * <pre>{@code
 * Retriever hybrid = HybridRetriever.builder().add(bm25, 1.0).add(dense, 1.0).rrfK(100).build();
 * }</pre>
 */
public final class HybridRetriever implements Retriever {
  private final List<Retriever> retrievers;
  private final double[] weights;
  private final int rrfK;
  private final int depth;
  private final boolean parallel;
  private final dev.medadapt.rag.index.RagIndex sharedIndex;

  private HybridRetriever(Builder b) {
    this.retrievers = List.copyOf(b.retrievers);
    this.weights = b.weights.stream().mapToDouble(Double::doubleValue).toArray();
    this.rrfK = b.rrfK;
    this.depth = b.depth;
    this.parallel = b.parallel;
    dev.medadapt.rag.index.RagIndex shared = null;
    for (Retriever r : retrievers) {
      if (!(r instanceof IdRanker ir) || (shared != null && shared != ir.index())) {
        shared = null;
        break;
      }
      shared = ir.index();
    }
    this.sharedIndex = shared;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public List<Hit> retrieve(String query, int k) {
    Ensure.positive(k, "k");
    int n = Math.max(k, depth);
    if (sharedIndex != null) {
      return fuseIds(query, k, n);
    }
    Map<String, Double> fused = new HashMap<>();
    Map<String, Hit> first = new LinkedHashMap<>();
    List<List<Hit>> all = each(r -> r.retrieve(query, n));
    for (int r = 0; r < retrievers.size(); r++) {
      List<Hit> hits = all.get(r);
      for (int i = 0; i < hits.size(); i++) {
        Hit h = hits.get(i);
        fused.merge(h.id(), weights[r] / (rrfK + i + 1.0), Double::sum);
        first.putIfAbsent(h.id(), h);
      }
    }
    List<Hit> out = new ArrayList<>(first.size());
    for (Hit h : first.values()) {
      out.add(new Hit(h.id(), h.title(), h.content(), fused.get(h.id())));
    }
    out.sort(Comparator.comparingDouble(Hit::score).reversed().thenComparing(Hit::id));
    return out.size() > k ? List.copyOf(out.subList(0, k)) : out;
  }

  /**
   * {@code fn} applied to every retriever: the first on the calling thread, the others (when
   * parallel) at the same time on the common fork-join pool, so a query costs the slowest retriever
   * rather than the sum (the dense one embeds the query while BM25 searches).
   */
  private <T> List<T> each(Function<Retriever, T> fn) {
    int n = retrievers.size();
    if (!parallel || n == 1) {
      List<T> out = new ArrayList<>(n);
      for (Retriever r : retrievers) {
        out.add(fn.apply(r));
      }
      return out;
    }
    List<CompletableFuture<T>> others = new ArrayList<>(n - 1);
    for (int r = 1; r < n; r++) {
      Retriever x = retrievers.get(r);
      others.add(CompletableFuture.supplyAsync(() -> fn.apply(x), ForkJoinPool.commonPool()));
    }
    List<T> out = new ArrayList<>(n);
    try {
      out.add(fn.apply(retrievers.get(0)));
    } catch (RuntimeException e) {
      others.forEach(f -> f.cancel(true));
      throw e;
    }
    for (CompletableFuture<T> f : others) {
      try {
        out.add(f.join());
      } catch (CompletionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        if (e.getCause() instanceof Error err) {
          throw err;
        }
        throw e;
      }
    }
    return out;
  }

  /** Fusion on ids (doc values), loading stored text only for the final k. */
  private List<Hit> fuseIds(String query, int k, int n) {
    Map<String, Double> fused = new LinkedHashMap<>();
    List<List<ScoredId>> all = each(r -> ((IdRanker) r).rankIds(query, n));
    for (int r = 0; r < retrievers.size(); r++) {
      List<ScoredId> ids = all.get(r);
      for (int i = 0; i < ids.size(); i++) {
        fused.merge(ids.get(i).id(), weights[r] / (rrfK + i + 1.0), Double::sum);
      }
    }
    List<ScoredId> ranked = new ArrayList<>(fused.size());
    fused.forEach((id, score) -> ranked.add(new ScoredId(id, score)));
    ranked.sort(Comparator.comparingDouble(ScoredId::score).reversed().thenComparing(ScoredId::id));
    List<ScoredId> top = ranked.size() > k ? ranked.subList(0, k) : ranked;
    return sharedIndex.withSearcher(
        s -> {
          try {
            return Hits.loadByIds(s, top);
          } catch (java.io.IOException e) {
            throw new StorageException("loading hits failed in index", sharedIndex.directory(), e);
          }
        });
  }

  /** Builder: at least one retriever; rrfK default 60; depth default 100. */
  public static final class Builder {
    private final List<Retriever> retrievers = new ArrayList<>();
    private final List<Double> weights = new ArrayList<>();
    private int rrfK = 60;
    private int depth = 100;
    private boolean parallel = true;

    private Builder() {}

    /**
     * Whether the retrievers of one query run at the same time (default true; the extra ones on
     * {@link ForkJoinPool#commonPool()}). Results are the same either way; false keeps every query on
     * the calling thread.
     */
    public Builder parallel(boolean parallel) {
      this.parallel = parallel;
      return this;
    }

    /** Adds a retriever with its fusion weight (> 0). */
    public Builder add(Retriever retriever, double weight) {
      retrievers.add(Ensure.notNull(retriever, "retriever"));
      weights.add(Ensure.positive(weight, "weight"));
      return this;
    }

    /** The RRF constant k (default 60; MedRAG uses 100). */
    public Builder rrfK(int rrfK) {
      this.rrfK = rrfK;
      return this;
    }

    /** Hits taken from each retriever before fusing (default 100; at least the requested k). */
    public Builder depth(int depth) {
      this.depth = depth;
      return this;
    }

    public HybridRetriever build() {
      if (retrievers.isEmpty()) {
        throw new ConfigurationException("retrievers must not be empty: add at least one");
      }
      Ensure.between(rrfK, 0, 1_000_000, "rrfK");
      Ensure.between(depth, 1, 100_000, "depth");
      return new HybridRetriever(this);
    }
  }
}
