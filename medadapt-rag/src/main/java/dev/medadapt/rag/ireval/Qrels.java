package dev.medadapt.rag.ireval;

import dev.medadapt.core.DataFormatException;
import dev.medadapt.rag.internal.TextLines;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Relevance judgments: per query, document id to graded relevance. Reads TREC qrels
 * ({@code qid iter docid rel}) and BEIR's TSV ({@code query-id corpus-id score} with a header).
 * As in trec_eval, a document is relevant when its grade is at least 1.
 *
 * @param judgments query id to (document id to relevance grade)
 */
public record Qrels(Map<String, Map<String, Integer>> judgments) {

  public Qrels {
    Map<String, Map<String, Integer>> copy = new LinkedHashMap<>();
    judgments.forEach((q, m) -> copy.put(q, Collections.unmodifiableMap(new LinkedHashMap<>(m))));
    judgments = Collections.unmodifiableMap(copy);
  }

  /** Reads a qrels file; a malformed line is a {@link DataFormatException} naming file and line. */
  public static Qrels read(Path file) {
    Map<String, Map<String, Integer>> q = new LinkedHashMap<>();
    TextLines.forEach(file, "qrels", (n, line) -> {
      String[] f = line.trim().split("\\s+");
      String qid;
      String doc;
      String rel;
      if (f.length == 4) {
        qid = f[0];
        doc = f[2];
        rel = f[3];
      } else if (f.length == 3) {
        if (n == 1 && f[0].equals("query-id")) {
          return; // BEIR header
        }
        qid = f[0];
        doc = f[1];
        rel = f[2];
      } else {
        throw new DataFormatException(file + ":" + n + ": expected \"qid iter docid rel\" (TREC) or \"query-id corpus-id score\" (BEIR), found "
            + f.length + " columns");
      }
      int grade;
      try {
        grade = Integer.parseInt(rel);
      } catch (NumberFormatException e) {
        throw new DataFormatException(file + ":" + n + ": relevance must be an integer, was \"" + rel + "\"");
      }
      q.computeIfAbsent(qid, k -> new LinkedHashMap<>()).put(doc, grade);
    });
    return new Qrels(q);
  }

  /** Number of relevant documents (grade >= 1) of {@code qid}. */
  public int numRelevant(String qid) {
    return (int) judgments.getOrDefault(qid, Map.of()).values().stream().filter(g -> g >= 1).count();
  }

  /** The grade of {@code doc} for {@code qid}; 0 when unjudged. */
  public int grade(String qid, String doc) {
    return judgments.getOrDefault(qid, Map.of()).getOrDefault(doc, 0);
  }
}
