package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RagCommandsTest {
  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  static synchronized Result run(String... args) {
    PrintStream oldOut = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      CommandLine cl = MedAdaptCli.commandLine();
      cl.setErr(new PrintWriter(err, true));
      int code = cl.execute(args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(oldOut);
    }
  }

  private Path corpus() throws Exception {
    return Files.writeString(tmp.resolve("corpus.jsonl"),
        "{\"id\":\"htn\",\"title\":\"Hypertension\",\"content\":\"Thiazide diuretics lower blood pressure in hypertension.\"}\n"
            + "{\"id\":\"dm\",\"title\":\"Diabetes\",\"content\":\"Metformin is the first-line drug for type 2 diabetes.\"}\n"
            + "{\"id\":\"ast\",\"title\":\"Asthma\",\"content\":\"Inhaled corticosteroids control persistent asthma.\"}\n");
  }

  @Test
  void indexSearchAndEvaluateBm25() throws Exception {
    Path idx = tmp.resolve("idx");
    Result r = run("index", "--corpus", corpus().toString(), "--index", idx.toString(), "--bm25-only");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("indexed 3 chunks").contains("holds 3 documents");

    Result s = run("search", "--index", idx.toString(), "--query", "first-line drug for diabetes", "--k", "2");
    assertThat(s.code()).as(s.err()).isZero();
    assertThat(s.out().lines().findFirst().orElseThrow()).startsWith(" 1. dm  (score ");
    assertThat(s.out()).contains("Metformin is the first-line drug");

    Path queries = Files.writeString(tmp.resolve("q.jsonl"),
        "{\"_id\":\"q1\",\"text\":\"metformin diabetes\"}\n{\"id\":\"q2\",\"text\":\"asthma inhaled steroids\"}\n");
    Path runFile = tmp.resolve("bm25.run");
    Result q = run("search", "--index", idx.toString(), "--queries", queries.toString(), "--mode", "bm25", "--run-out", runFile.toString());
    assertThat(q.code()).as(q.err()).isZero();
    List<String> lines = Files.readAllLines(runFile);
    assertThat(lines.get(0)).matches("q1 Q0 dm 1 \\d+\\.\\d{6} medadapt-bm25");
    assertThat(lines).anyMatch(l -> l.startsWith("q2 Q0 ast 1 "));

    Path qrels = Files.writeString(tmp.resolve("qrels.txt"), "q1 0 dm 1\nq2 0 htn 1\n");
    Result e = run("ir-eval", "--run", runFile.toString(), "--qrels", qrels.toString(), "--cutoffs", "1,10");
    assertThat(e.code()).as(e.err()).isZero();
    assertThat(e.out()).contains("queries      all                  2");
    // q1: dm at rank 1 (ndcg@1 = 1); q2: htn not retrieved for "asthma inhaled steroids" (0)
    assertThat(e.out()).contains("ndcg@1       all                  0.5000");
    assertThat(e.out()).contains("recall@1     all                  0.5000");
  }

  @Test
  void denseAndHybridWithTheHashingEmbedder() throws Exception {
    Path idx = tmp.resolve("dense");
    Result r = run("index", "--corpus", corpus().toString(), "--index", idx.toString(), "--embedder", "hashing:64");
    assertThat(r.code()).as(r.err()).isZero();
    Result s = run("search", "--index", idx.toString(), "--query", "metformin diabetes", "--mode", "dense", "--k", "1");
    assertThat(s.code()).as(s.err()).isZero();
    assertThat(s.out()).startsWith(" 1. dm ");
    Result h = run("search", "--index", idx.toString(), "--query", "inhaled corticosteroids", "--k", "3");
    assertThat(h.code()).as(h.err()).isZero();
    assertThat(h.out()).startsWith(" 1. ast ");
    Result wrong = run("search", "--index", idx.toString(), "--query", "x", "--mode", "dense", "--embedder", "hashing:32");
    assertThat(wrong.code()).isEqualTo(1);
    assertThat(wrong.err()).startsWith("error: " + idx + ": query embedder hashing-bow-v1 (dimension 32");
  }

  @Test
  void badInputIsAOneLineError() throws Exception {
    Path missing = tmp.resolve("missing.jsonl");
    Result r = run("index", "--corpus", missing.toString(), "--index", tmp.resolve("i").toString(), "--bm25-only");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("error: " + missing + ": corpus file or folder not found");
    Path idx = tmp.resolve("bm");
    run("index", "--corpus", corpus().toString(), "--index", idx.toString(), "--bm25-only");
    Result d = run("search", "--index", idx.toString(), "--query", "x", "--mode", "hybrid");
    assertThat(d.code()).isEqualTo(1);
    assertThat(d.err()).contains("is a BM25-only index");
    Path badQueries = Files.writeString(tmp.resolve("bad.jsonl"), "{\"id\":\"q1\",\"text\":\"ok\"}\n{\"text\":\"no id\"}\n");
    Result bq = run("search", "--index", idx.toString(), "--queries", badQueries.toString());
    assertThat(bq.err().strip()).isEqualTo("error: " + badQueries + ":2: missing field \"id\" (or \"_id\")");
  }
}
