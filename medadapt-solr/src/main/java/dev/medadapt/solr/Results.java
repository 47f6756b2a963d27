package dev.medadapt.solr;

import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.solr.internal.ConfigSet;
import java.util.ArrayList;
import java.util.List;
import org.apache.solr.client.solrj.response.QueryResponse;
import org.apache.solr.common.SolrDocument;

/** Solr results as MedAdapt hits. */
final class Results {
  private Results() {}

  static List<Hit> hits(QueryResponse r) {
    List<Hit> out = new ArrayList<>(r.getResults().size());
    for (SolrDocument d : r.getResults()) {
      Object title = d.getFirstValue(ConfigSet.TITLE);
      Object content = d.getFirstValue(ConfigSet.CONTENT);
      Object score = d.getFirstValue("score");
      out.add(new Hit((String) d.getFirstValue(ConfigSet.ID), title == null ? "" : title.toString(),
          content == null ? "" : content.toString(), score == null ? Double.NaN : ((Number) score).doubleValue()));
    }
    return out;
  }
}
