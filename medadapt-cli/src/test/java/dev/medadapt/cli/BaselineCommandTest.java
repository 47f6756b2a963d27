package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.index.RagIndexWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaselineCommandTest {
  @TempDir Path tmp;

  @Test
  void choosesTheOptionWhoseQuestionPlusOptionQueryFindsTheBestPassage() throws Exception {
    Path corpus = tmp.resolve("corpus.jsonl");
    Files.writeString(corpus,
        "{\"id\": \"c1\", \"title\": \"Heparin\", \"content\": \"Heparin is an anticoagulant used for deep vein thrombosis.\","
            + " \"contents\": \"Heparin. Heparin is an anticoagulant used for deep vein thrombosis.\"}\n"
            + "{\"id\": \"c2\", \"title\": \"Insulin\", \"content\": \"Insulin lowers blood glucose in diabetes mellitus.\","
            + " \"contents\": \"Insulin. Insulin lowers blood glucose in diabetes mellitus.\"}\n");
    Path idx = tmp.resolve("idx");
    try (RagIndexWriter w = RagIndexWriter.builder(idx).bm25Only().build();
        ChunkSource src = Corpora.open(List.of(corpus), BadRowPolicy.FAIL)) {
      w.index(src, "test");
    }
    Path data = tmp.resolve("q.jsonl");
    Files.writeString(data,
        "{\"id\": \"1\", \"question\": \"Which drug treats deep vein thrombosis?\", \"options\": [\"insulin\", \"heparin\"], \"answer\": \"B\"}\n"
            + "{\"id\": \"2\", \"question\": \"Which hormone lowers glucose?\", \"options\": [\"heparin\", \"insulin\"], \"answer\": \"B\"}\n"
            + "{\"id\": \"3\", \"question\": \"Which is a zebra?\", \"options\": [\"quagga\", \"okapi\"], \"answer\": \"B\"}\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = MedAdaptCli.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("baseline", "--index", idx.toString(), "--data", data.toString(), "--dataset", "jsonl", "--json");
    assertThat(code).as(err.toString()).isZero();
    JsonNode o = new ObjectMapper().readTree(out.toString());
    assertThat(o.get("n").asInt()).isEqualTo(3);
    // 1 and 2 are found by retrieval; 3 retrieves nothing for either option: a tie, first option, wrong
    assertThat(o.get("correct").asInt()).isEqualTo(2);
    assertThat(o.get("ties").asInt()).isEqualTo(1);
  }
}
