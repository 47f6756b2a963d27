package dev.medadapt.rag.ireval;

import dev.medadapt.core.DataFormatException;
import dev.medadapt.rag.internal.TextLines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A TREC run: per query, the retrieved documents. Lines are {@code qid Q0 docid rank score tag}
 * (whitespace-separated). {@link #ranking(String)} orders a query's documents the way trec_eval
 * does: by score descending, ties by document id descending (trec_eval's {@code comp_sim_docno});
 * the rank column is ignored, and a document listed twice for one query keeps its first line.
 *
 * @param queries query id to its documents, in file order
 */
public record TrecRun(Map<String, List<RankedDoc>> queries) {

  public TrecRun {
    Map<String, List<RankedDoc>> copy = new LinkedHashMap<>();
    queries.forEach((q, docs) -> copy.put(q, List.copyOf(docs)));
    queries = Collections.unmodifiableMap(copy);
  }

  /** Reads a run file; a malformed line is a {@link DataFormatException} naming file and line. */
  public static TrecRun read(Path file) {
    Map<String, List<RankedDoc>> q = new LinkedHashMap<>();
    TextLines.forEach(file, "run", (n, line) -> {
      String[] f = line.trim().split("\\s+");
      if (f.length != 6) {
        throw new DataFormatException(file + ":" + n + ": expected 6 columns \"qid Q0 docid rank score tag\", found " + f.length);
      }
      int rank;
      double score;
      try {
        rank = Integer.parseInt(f[3]);
        score = Double.parseDouble(f[4]);
      } catch (NumberFormatException e) {
        throw new DataFormatException(file + ":" + n + ": rank and score must be numbers, were \"" + f[3] + "\" and \"" + f[4] + "\"");
      }
      if (!Double.isFinite(score)) {
        throw new DataFormatException(file + ":" + n + ": score must be finite, was " + f[4]);
      }
      q.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new RankedDoc(f[2], rank, score));
    });
    return new TrecRun(q);
  }

  /** The documents of {@code qid} in trec_eval's evaluation order (empty if the query is absent). */
  public List<RankedDoc> ranking(String qid) {
    List<RankedDoc> docs = queries.getOrDefault(qid, List.of());
    List<RankedDoc> unique = new ArrayList<>(docs.size());
    Set<String> seen = new HashSet<>();
    for (RankedDoc d : docs) {
      if (seen.add(d.docId())) {
        unique.add(d);
      }
    }
    unique.sort(Comparator.comparingDouble(RankedDoc::score).reversed().thenComparing(RankedDoc::docId, Comparator.reverseOrder()));
    return unique;
  }
}
