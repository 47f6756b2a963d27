package dev.medadapt.rag.ireval;

import dev.medadapt.core.io.AtomicFiles;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.core.io.JsonLines;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.Ensure;
import dev.medadapt.rag.chunk.Chunk;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * An offline retrieval test collection built from MedQuAD (Ben Abacha and Demner-Fushman, 2019) in
 * its MedRAG-format JSONL ({@code medquad_medrag.jsonl}, with the extra fields {@code focus} and
 * {@code question}): the corpus is the answers, the queries are the questions, and a question's
 * relevant documents are the answers paired with it in the source XML.
 *
 * <p>To keep the task honest, corpus titles are the page topic ({@code focus}) only: the MedRAG rows'
 * titles embed the question itself ({@code "<Focus> -- <Question>"}), which would let BM25 match the
 * query against its own text. Identical question texts (the same template question about the same
 * topic in two collections, e.g. GHR and GARD) form one query whose relevant set is all their answers.
 *
 * @param corpus documents: id, title = focus, content = answer
 * @param queries query id to question text
 * @param qrels relevance (grade 1) of the paired answers
 */
public record MedQuadRetrievalSet(List<Chunk> corpus, Map<String, String> queries, Qrels qrels) {

  /** Reads {@code medquad_medrag.jsonl}; a row without {@code id}, {@code focus}, {@code question} or {@code content} is an error naming its line. */
  public static MedQuadRetrievalSet build(Path medquadJsonl) {
    List<Chunk> corpus = new ArrayList<>();
    Map<String, String> idByQuestion = new LinkedHashMap<>();
    Map<String, String> queries = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
    JsonLines.forEachObject(medquadJsonl, "MedQuAD rows", BadRowPolicy.FAIL, r -> {
      JsonNode row = r.node();
      long n = r.line();
      for (String f : List.of("id", "focus", "question", "content")) {
        if (!row.hasNonNull(f)) {
          throw new DataFormatException(medquadJsonl + ":" + n + ": missing field \"" + f + "\" (expected MedQuAD MedRAG-format rows)");
        }
      }
      String id = row.get("id").asText();
      corpus.add(new Chunk(id, row.get("focus").asText(), row.get("content").asText()));
      String question = row.get("question").asText().strip().replaceAll("\\s+", " ");
      String key = question.toLowerCase(Locale.ROOT);
      String qid = idByQuestion.computeIfAbsent(key, k -> "mq" + (idByQuestion.size() + 1));
      queries.putIfAbsent(qid, question);
      qrels.computeIfAbsent(qid, k -> new LinkedHashMap<>()).put(id, 1);
    });
    return new MedQuadRetrievalSet(List.copyOf(corpus), Collections.unmodifiableMap(queries), new Qrels(qrels));
  }

  /** A seeded random subset of {@code n} queries (all of them if {@code n} is larger), same corpus. */
  public MedQuadRetrievalSet sampleQueries(int n, long seed) {
    Ensure.positive(n, "n");
    List<String> ids = new ArrayList<>(queries.keySet());
    Collections.shuffle(ids, new Random(seed));
    Map<String, String> q = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> rel = new LinkedHashMap<>();
    for (String id : ids.subList(0, Math.min(n, ids.size()))) {
      q.put(id, queries.get(id));
      rel.put(id, qrels.judgments().get(id));
    }
    return new MedQuadRetrievalSet(corpus, q, new Qrels(rel));
  }

  /** Writes {@code corpus.jsonl} (MedRAG rows), {@code queries.jsonl} ({@code _id}, {@code text}) and {@code qrels.txt} (TREC) into {@code dir}. */
  public void write(Path dir) {
    ObjectMapper json = new ObjectMapper();
    try {
      Files.createDirectories(dir);
      AtomicFiles.write(dir.resolve("corpus.jsonl"), stream -> {
        BufferedWriter w = new BufferedWriter(new java.io.OutputStreamWriter(stream, StandardCharsets.UTF_8));
        for (Chunk c : corpus) {
          ObjectNode o = json.createObjectNode().put("id", c.id()).put("title", c.title()).put("content", c.content()).put("contents", c.contents());
          w.write(json.writeValueAsString(o));
          w.newLine();
        }
        w.flush();
      });
      AtomicFiles.write(dir.resolve("queries.jsonl"), stream -> {
        BufferedWriter w = new BufferedWriter(new java.io.OutputStreamWriter(stream, StandardCharsets.UTF_8));
        for (Map.Entry<String, String> q : queries.entrySet()) {
          w.write(json.writeValueAsString(json.createObjectNode().put("_id", q.getKey()).put("text", q.getValue())));
          w.newLine();
        }
        w.flush();
      });
      AtomicFiles.write(dir.resolve("qrels.txt"), stream -> {
        BufferedWriter w = new BufferedWriter(new java.io.OutputStreamWriter(stream, StandardCharsets.UTF_8));
        for (Map.Entry<String, Map<String, Integer>> q : qrels.judgments().entrySet()) {
          for (Map.Entry<String, Integer> d : q.getValue().entrySet()) {
            w.write(q.getKey() + " 0 " + d.getKey() + " " + d.getValue());
            w.newLine();
          }
        }
        w.flush();
      });
    } catch (IOException e) {
      throw new dev.medadapt.core.StorageException("cannot write the retrieval set to", dir, e);
    }
  }
}
