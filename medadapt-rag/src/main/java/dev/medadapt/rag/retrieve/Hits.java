package dev.medadapt.rag.retrieve;

import dev.medadapt.rag.index.IndexFields;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.index.StoredFields;

/** Loads stored fields of Lucene results into {@link Hit}s. */
final class Hits {
  private Hits() {}

  static List<Hit> load(IndexSearcher s, ScoreDoc[] docs) throws IOException {
    StoredFields stored = s.storedFields();
    List<Hit> out = new ArrayList<>(docs.length);
    for (ScoreDoc sd : docs) {
      Document d = stored.document(sd.doc);
      out.add(new Hit(d.get(IndexFields.ID), d.get(IndexFields.TITLE), d.get(IndexFields.CONTENT), sd.score));
    }
    return out;
  }
}
