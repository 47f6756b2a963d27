package dev.medadapt.solr;

import org.apache.solr.client.solrj.SolrRequest;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Retriever;
import dev.medadapt.solr.internal.ConfigSet;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.solr.client.solrj.SolrQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BM25 over a Solr collection's {@code contents} field with the local {@code Bm25Retriever}'s
 * query: the text is analyzed here with the collection's analysis, and each distinct term becomes
 * one SHOULD clause of a Lucene {@code BooleanQuery}, repeated as often as the term occurs (Lucene
 * merges repeated SHOULD clauses into one boosted by the count, the local retriever's
 * {@code BoostQuery}). Terms are sent with Solr's {@code term} parser, so Solr does not analyze them a
 * second time. k1 and b are the collection's (its schema's similarity); with the configset's
 * ExactStatsCache a sharded collection scores with collection-wide statistics, like one index.
 * Thread-safe.
 *
 * <pre>{@code
 * Retriever bm25 = SolrBm25Retriever.builder(collection).build();
 * }</pre>
 */
public final class SolrBm25Retriever implements Retriever {
  private static final Logger LOG = LoggerFactory.getLogger(SolrBm25Retriever.class);
  /** Solr's default maxBooleanClauses, set in the generated solrconfig.xml. */
  static final int MAX_CLAUSES = 1024;

  private final SolrCollection collection;
  private final String field;
  private final Analyzer analyzer;

  private SolrBm25Retriever(Builder b) {
    this.collection = b.collection;
    this.field = b.field;
    this.analyzer = collection.analyzer();
  }

  public static Builder builder(SolrCollection collection) {
    return new Builder(collection);
  }

  @Override
  public List<Hit> retrieve(String query, int k) {
    Ensure.positive(k, "k");
    SolrQuery q = query(query);
    if (q == null) {
      return List.of();
    }
    q.setRows(k);
    q.setFields(ConfigSet.ID, ConfigSet.TITLE, ConfigSet.CONTENT, "score");
    return Results.hits(collection.call("BM25 search", () -> collection.client().query(collection.name(), q, SolrRequest.METHOD.POST)));
  }

  /** The Solr request for {@code text}, or null if it has no indexable terms. */
  SolrQuery query(String text) {
    Map<String, Integer> counts = Bm25Retriever.termCounts(analyzer, field, text);
    if (counts.isEmpty()) {
      return null;
    }
    if (counts.size() > MAX_CLAUSES) {
      LOG.warn("query has {} distinct terms; using the first {} (Solr's clause limit)", counts.size(), MAX_CLAUSES);
    }
    SolrQuery q = new SolrQuery();
    StringBuilder bool = new StringBuilder("{!bool");
    // A term that occurs n times is its clause n times (the sum of n equal scores, as the local BoostQuery(n)
    // scores); when the repetitions would pass the clause limit, a long query, it is one clause boosted by n.
    int total = counts.values().stream().limit(MAX_CLAUSES).mapToInt(Integer::intValue).sum();
    boolean repeat = total <= MAX_CLAUSES;
    int i = 0;
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      if (i == MAX_CLAUSES) {
        break;
      }
      q.set("t" + i, e.getKey());
      String term = "{!term f=" + field + " v=$t" + i + "}";
      if (repeat || e.getValue() == 1) {
        q.set("c" + i, term);
        for (int n = 0; n < e.getValue(); n++) {
          bool.append(" should=$c").append(i);
        }
      } else {
        q.set("d" + i, term);
        q.set("c" + i, "{!boost b=" + e.getValue() + " v=$d" + i + "}");
        bool.append(" should=$c").append(i);
      }
      i++;
    }
    q.setQuery(bool.append('}').toString());
    return q;
  }

  /** Builder. */
  public static final class Builder {
    private final SolrCollection collection;
    private String field = ConfigSet.CONTENTS;

    private Builder(SolrCollection collection) {
      this.collection = collection;
    }

    /** Field to search: {@code contents} (title + content, default) or {@code title}. */
    public Builder field(String field) {
      this.field = field;
      return this;
    }

    public SolrBm25Retriever build() {
      Ensure.notNull(collection, "collection");
      if (!List.of(ConfigSet.CONTENTS, ConfigSet.TITLE).contains(field)) {
        throw new ConfigurationException("field must be contents or title for " + collection.target().describe()
            + ", was \"" + field + "\"");
      }
      return new SolrBm25Retriever(this);
    }
  }
}
