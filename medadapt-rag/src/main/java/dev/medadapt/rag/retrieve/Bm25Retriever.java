package dev.medadapt.rag.retrieve;

import dev.medadapt.core.StorageException;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.rag.index.IndexFields;
import dev.medadapt.rag.index.RagIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BM25 over the index's {@code contents} field (title + content), with the query as a bag of words
 * weighted by term frequency, like Anserini's {@code BagOfWordsQueryGenerator}. Thread-safe.
 *
 * <pre>{@code
 * Retriever bm25 = Bm25Retriever.builder(index).build(); // k1 = 0.9, b = 0.4
 * }</pre>
 */
public final class Bm25Retriever implements IdRanker {
  private static final Logger LOG = LoggerFactory.getLogger(Bm25Retriever.class);

  private final RagIndex index;
  private final BM25Similarity similarity;
  private final String field;

  private Bm25Retriever(Builder b) {
    this.index = b.index;
    this.similarity = new BM25Similarity((float) b.k1, (float) b.b);
    this.field = b.field;
  }

  public static Builder builder(RagIndex index) {
    return new Builder(index);
  }

  @Override
  public List<Hit> retrieve(String query, int k) {
    return search(query, k, (s, top) -> Hits.load(s, top.scoreDocs), List.of());
  }

  @Override
  public List<ScoredId> rankIds(String query, int n) {
    return search(query, n, (s, top) -> Hits.ids(s, top.scoreDocs), List.of());
  }

  @Override
  public RagIndex index() {
    return index;
  }

  private <T> T search(String query, int k, Loader<T> loader, T empty) {
    Ensure.positive(k, "k");
    Query q = query(query);
    if (q == null) {
      return empty;
    }
    return index.withSearcher(
        shared -> {
          // A private searcher per call: the similarity is per-retriever, the shared one stays untouched.
          IndexSearcher s = new IndexSearcher(shared.getIndexReader());
          s.setSimilarity(similarity);
          try {
            return loader.load(s, s.search(q, k));
          } catch (IOException e) {
            throw new StorageException("search failed in index", index.directory(), e);
          }
        });
  }

  /**
   * The analyzed terms of {@code text} in {@code field} with how often each occurs, in order of first occurrence: the
   * BM25 query's clauses and their weights (shared with the SolrCloud retriever, so both rank alike).
   */
  public static Map<String, Integer> termCounts(Analyzer analyzer, String field, String text) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    try (TokenStream ts = analyzer.tokenStream(field, text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        counts.merge(term.toString(), 1, Integer::sum);
      }
      ts.end();
    } catch (IOException e) {
      // Analyzing a String reads no file; Lucene's TokenStream API declares IOException all the same.
      throw new UncheckedIOException(e);
    }
    return counts;
  }

  @FunctionalInterface
  private interface Loader<T> {
    T load(IndexSearcher s, TopDocs top) throws IOException;
  }

  /** The Lucene query for {@code text}, or null if it has no indexable terms (for example only stop words). */
  Query query(String text) {
    Map<String, Integer> counts = termCounts(index.analyzer(), field, text);
    if (counts.isEmpty()) {
      return null;
    }
    int max = IndexSearcher.getMaxClauseCount();
    if (counts.size() > max) {
      LOG.warn("query has {} distinct terms; using the first {} (Lucene's clause limit)", counts.size(), max);
    }
    BooleanQuery.Builder bq = new BooleanQuery.Builder();
    int n = 0;
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      if (n++ == max) {
        break;
      }
      Query tq = termQuery(e.getKey());
      bq.add(e.getValue() == 1 ? tq : new BoostQuery(tq, e.getValue()), BooleanClause.Occur.SHOULD);
    }
    return bq.build();
  }

  private Query termQuery(String term) {
    return new TermQuery(new Term(field, term));
  }

  /** Builder. Defaults k1 = 0.9, b = 0.4 are Anserini's BM25 defaults (used for its BEIR baselines). */
  public static final class Builder {
    private final RagIndex index;
    private double k1 = 0.9;
    private double b = 0.4;
    private String field = IndexFields.CONTENTS;

    private Builder(RagIndex index) {
      this.index = index;
    }

    public Builder k1(double k1) {
      this.k1 = k1;
      return this;
    }

    public Builder b(double b) {
      this.b = b;
      return this;
    }

    /**
     * Field to search: {@code contents} (title + content, default), {@code title}, or {@code content}
     * (only in indexes built with {@code contentField(true)}).
     */
    public Builder field(String field) {
      this.field = field;
      return this;
    }

    public Bm25Retriever build() {
      Ensure.notNull(index, "index");
      Ensure.between(k1, 0.0, 10.0, "k1");
      Ensure.between(b, 0.0, 1.0, "b");
      if (!List.of(IndexFields.CONTENTS, IndexFields.TITLE, IndexFields.CONTENT).contains(field)) {
        throw new ConfigurationException("field must be contents, title or content, was \"" + field + "\"");
      }
      if (!index.isBm25Field(field)) {
        throw new ConfigurationException(index.directory() + ": field " + field + " is not a BM25 field of this index"
            + (field.equals(IndexFields.CONTENT) ? " (build it with contentField(true), or search contents)" : ""));
      }
      return new Bm25Retriever(this);
    }
  }
}
