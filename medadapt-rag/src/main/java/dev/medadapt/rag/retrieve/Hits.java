package dev.medadapt.rag.retrieve;

import dev.medadapt.rag.index.IndexFields;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;

/** Loads stored fields of Lucene results into {@link Hit}s. */
final class Hits {
  private Hits() {}

  /** Ids of {@code docs} from the id doc values (no stored-field decompression), in the order of {@code docs}. */
  static List<ScoredId> ids(IndexSearcher s, ScoreDoc[] docs) throws IOException {
    List<LeafReaderContext> leaves = s.getIndexReader().leaves();
    // doc values iterate forward only: visit in doc order, one iterator per segment
    Integer[] order = new Integer[docs.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Integer.compare(docs[a].doc, docs[b].doc));
    String[] ids = new String[docs.length];
    int leafIndex = -1;
    BinaryDocValues dv = null;
    LeafReaderContext leaf = null;
    for (int i : order) {
      int doc = docs[i].doc;
      int li = ReaderUtil.subIndex(doc, leaves);
      if (li != leafIndex) {
        leafIndex = li;
        leaf = leaves.get(li);
        dv = DocValues.getBinary(leaf.reader(), IndexFields.ID);
      }
      if (!dv.advanceExact(doc - leaf.docBase)) {
        throw new IllegalStateException("document " + doc + " has no id doc value");
      }
      ids[i] = dv.binaryValue().utf8ToString();
    }
    List<ScoredId> out = new ArrayList<>(docs.length);
    for (int i = 0; i < docs.length; i++) {
      out.add(new ScoredId(ids[i], docs[i].score));
    }
    return out;
  }

  /** The stored chunks of {@code ids} (looked up by id term), with the given scores; ids no longer in the index are dropped. */
  static List<Hit> loadByIds(IndexSearcher s, List<ScoredId> ids) throws IOException {
    StoredFields stored = s.storedFields();
    List<Hit> out = new ArrayList<>(ids.size());
    for (ScoredId id : ids) {
      TopDocs td = s.search(new TermQuery(new Term(IndexFields.ID, id.id())), 1);
      if (td.scoreDocs.length == 0) {
        continue;
      }
      Document d = stored.document(td.scoreDocs[0].doc);
      out.add(new Hit(id.id(), d.get(IndexFields.TITLE), d.get(IndexFields.CONTENT), id.score()));
    }
    return out;
  }

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
