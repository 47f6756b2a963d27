package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code medadapt ask} against a BM25 index and a loopback OpenAI-compatible server that streams a scripted answer. */
class AskCommandTest {
  @TempDir Path tmp;
  private HttpServer server;
  private final List<JsonNode> requests = new CopyOnWriteArrayList<>();

  record Result(int code, String out, String err) {}

  @BeforeEach
  void startServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/v1/chat/completions",
        ex -> {
          requests.add(new ObjectMapper().readTree(ex.getRequestBody()));
          String answer = "Metformin [1] is first-line; not [9].";
          String sse =
              "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + answer.substring(0, 10) + "\"}}]}\n\n"
                  + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + answer.substring(10)
                  + "\"},\"finish_reason\":\"stop\"}]}\n\n"
                  + "data: [DONE]\n\n";
          byte[] body = sse.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "text/event-stream");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

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

  private Path bm25Index() throws Exception {
    Path corpus = Files.writeString(tmp.resolve("corpus.jsonl"),
        "{\"id\":\"htn\",\"title\":\"Hypertension\",\"content\":\"Thiazide diuretics lower blood pressure in hypertension.\"}\n"
            + "{\"id\":\"dm\",\"title\":\"Diabetes\",\"content\":\"Metformin is the first-line drug for type 2 diabetes.\"}\n"
            + "{\"id\":\"ast\",\"title\":\"Asthma\",\"content\":\"Inhaled corticosteroids control persistent asthma.\"}\n");
    Path idx = tmp.resolve("idx");
    Result r = run("index", "--corpus", corpus.toString(), "--index", idx.toString(), "--bm25-only");
    assertThat(r.code()).as(r.err()).isZero();
    return idx;
  }

  @Test
  void answersWithCitationsFromTheIndex() throws Exception {
    Path idx = bm25Index();
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    Result r = run("ask", "--index", idx.toString(), "--openai-url", url, "--openai-model", "tiny",
        "--question", "first-line drug for type 2 diabetes, not hypertension", "--k", "2");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("Metformin [1] is first-line; not [9].\n\nSources:\n* [1] dm  Diabetes\n");
    assertThat(r.out()).contains("\n  [2] htn  Hypertension\n");
    assertThat(r.out()).contains("* = cited in the answer");

    assertThat(requests).hasSize(1);
    JsonNode req = requests.get(0);
    assertThat(req.get("model").asText()).isEqualTo("tiny");
    JsonNode msgs = req.get("messages");
    assertThat(msgs.get(0).get("role").asText()).isEqualTo("system");
    assertThat(msgs.get(1).get("content").asText())
        .startsWith("Based on the following retrieved documents, answer the question.\n\n[1] Diabetes\nMetformin is the first-line drug")
        .contains("[2] Hypertension\nThiazide").endsWith("Question: first-line drug for type 2 diabetes, not hypertension\nAnswer:");
  }

  @Test
  void badOptionsAreClearErrors() throws Exception {
    Path idx = bm25Index();
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    Result dense = run("ask", "--index", idx.toString(), "--openai-url", url, "--openai-model", "tiny", "--question", "q",
        "--mode", "dense");
    assertThat(dense.code()).isEqualTo(1);
    assertThat(dense.err()).contains("is a BM25-only index");
    Result tmpl = run("ask", "--index", idx.toString(), "--openai-url", url, "--question", "q", "--template", "nope");
    assertThat(tmpl.code()).isEqualTo(1);
    assertThat(tmpl.err()).contains("--template must be reference or medrag");
    Result local = run("ask", "--index", idx.toString(), "--model", tmp.toString(), "--question", "q");
    assertThat(local.code()).isEqualTo(1);
    assertThat(local.err()).startsWith("error: ").contains("config.json");
    assertThat(requests).isEmpty();
  }

  @Test
  void answersWithTheLocalTinyModel() throws Exception {
    Path idx = bm25Index();
    Result r = run("ask", "--index", idx.toString(),
        "--model", dev.medadapt.core.testing.TestResources.tinyModel("qwen2-tiny-bytes-chat").toString(),
        "--question", "first-line drug for type 2 diabetes", "--k", "2", "--max-new-tokens", "8");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Sources:").contains("Diabetes");
    assertThat(requests).isEmpty();
  }

  @Test
  void withoutIndexOrModelRunsOnTheEmbeddedDefaultAndSaysSo() {
    Result r = run("ask", "--question", "What are the symptoms of glaucoma?", "--k", "2", "--max-new-tokens", "4");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("ask: no --model or --openai-url, so the embedded model runs")
        .contains("RANDOM").contains("BM25 index of the embedded corpus sample");
    assertThat(r.out()).contains("Sources:").contains("[1] ").contains("[2] ");
    assertThat(requests).isEmpty();
  }

  @Test
  void openAiOptionsWithoutAServerAreAClearError() {
    Result r = run("ask", "--question", "q", "--openai-model", "tiny");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: --openai-model needs --openai-url");
    Result both = run("ask", "--question", "q", "--model", tmp.toString(), "--openai-url", "http://127.0.0.1:1/v1");
    assertThat(both.code()).isEqualTo(1);
    assertThat(both.err()).startsWith("error: --model and --openai-url are alternatives");
  }
}
