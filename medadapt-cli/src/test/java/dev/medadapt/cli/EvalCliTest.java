package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.testing.ScriptedLanguageModel;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.run.RunLog;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.index.RagIndexWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** eval, compare and power through the real command line, in-process. */
class EvalCliTest {
  @TempDir Path tmp;

  private Path evalRun(String name, String letter) {
    EvalCommand cmd = new EvalCommand();
    CommandLine cl = new CommandLine(cmd);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    Path dir = tmp.resolve(name);
    cl.parseArgs(
        "--openai-url", "http://unused", "--benchmarks",
        "medqa=" + TestResources.testdata("eval/medqa_sample.jsonl") + ",mmlu=" + TestResources.testdata("eval/mmlu"),
        "--n", "0", "--bootstrap", "200", "--no-progress", "--out", dir.toString());
    List<Question> qs = cmd.loadQuestions(cmd.data);
    assertThat(cmd.run(ScriptedLanguageModel.builder().name("always-" + letter)
        .reply(p -> "<think>x</think>The answer is " + letter + ".").build(), qs)).isZero();
    assertThat(err.toString()).contains("wrote " + dir.resolve("records.jsonl"));
    assertThat(out.toString()).contains("| " + name + " | medqa |");
    return dir;
  }

  @Test
  void evalWritesRecordsAndSummaryThatParseBack() throws Exception {
    Path run = evalRun("base", "A");
    var records = RunLog.readDir(run).records();
    long expectedCorrect = records.stream().filter(r -> r.gold().equals("A")).count();
    assertThat(records).isNotEmpty();
    assertThat(records).allSatisfy(r -> assertThat(r.extracted()).isEqualTo("A"));
    JsonNode json = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
    JsonNode all = json.get("rows").get(json.get("rows").size() - 1);
    assertThat(all.get("benchmark").asText()).isEqualTo("all");
    assertThat(all.get("n").asInt()).isEqualTo(records.size());
    assertThat(all.get("correct").asLong()).isEqualTo(expectedCorrect);
    assertThat(run.resolve("summary.svg")).exists();
    assertThat(Files.readString(run.resolve("run.json"))).contains("\"format\" : \"medadapt.run.v1\"", "\"seed\" : 4242");
  }

  @Test
  void compareTwoRunsInProcess() throws Exception {
    Path a = evalRun("always-a", "A");
    Path b = evalRun("always-b", "B");
    Path out = tmp.resolve("cmp");
    CliResult r = CliResult.run("compare", a.toString(), b.toString(), "--out", out.toString(), "--bootstrap", "500");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("### always-a vs always-b").contains("| medqa |").contains("| mmlu |");
    JsonNode json = new ObjectMapper().readTree(out.resolve("comparison.json").toFile());
    assertThat(json.get("run_a").asText()).isEqualTo("always-a");
    JsonNode medqa = json.get("rows").get(0);
    var ra = RunLog.readDir(a).records().stream().filter(x -> x.benchmark().equals("medqa")).toList();
    long goldA = ra.stream().filter(x -> x.gold().equals("A")).count();
    long goldB = ra.stream().filter(x -> x.gold().equals("B")).count();
    assertThat(medqa.get("only_a").asLong()).isEqualTo(goldA);
    assertThat(medqa.get("only_b").asLong()).isEqualTo(goldB);
    assertThat(Files.readString(out.resolve("comparison.csv"))).startsWith("benchmark,n,accuracy_a,accuracy_b,difference");
    assertThat(out.resolve("comparison.svg")).exists();
  }

  @Test
  void ragIndexSnippetsReachThePrompt() throws Exception {
    ragRun(false, "bm25 index=");
  }

  @Test
  void hybridRetrievalWithTheIndexEmbedder() throws Exception {
    ragRun(true, "hybrid rrf-k=60 (bm25 + ");
  }

  private void ragRun(boolean dense, String expectedRetrieval) throws Exception {
    Path idx = tmp.resolve("idx");
    List<Chunk> chunks = List.of(
        new Chunk("c1", "Aspirin", "Aspirin irreversibly inhibits cyclooxygenase."),
        new Chunk("c2", "Insulin", "Insulin lowers blood glucose."));
    RagIndexWriter.Builder wb = RagIndexWriter.builder(idx);
    if (dense) {
      wb.embedder(new dev.medadapt.rag.embed.HashingEmbedder(64));
    } else {
      wb.bm25Only();
    }
    try (RagIndexWriter w = wb.build()) {
      var it = chunks.iterator();
      w.index(new ChunkSource() {
        @Override
        public Chunk next() {
          return it.hasNext() ? it.next() : null;
        }

        @Override
        public void close() {}
      }, "test");
    }
    List<String> prompts = new java.util.ArrayList<>();
    LanguageModel recording = ScriptedLanguageModel.builder().name("recording").reply(prompt -> {
      prompts.add(prompt);
      return "{\"answer_choice\": \"A\"}";
    }).build();
    Path q = tmp.resolve("q.jsonl");
    Files.writeString(q, "{\"question\": \"Which enzyme does aspirin inhibit?\", \"answer\": \"cyclooxygenase\", "
        + "\"options\": {\"A\": \"cyclooxygenase\", \"B\": \"lipase\", \"C\": \"amylase\", \"D\": \"trypsin\"}, "
        + "\"meta_info\": \"step1\", \"answer_idx\": \"A\"}\n");
    EvalCommand cmd = new EvalCommand();
    CommandLine cl = new CommandLine(cmd);
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(new StringWriter()));
    Path run = tmp.resolve("rag");
    cl.parseArgs("--openai-url", "http://unused", "--benchmarks", "medqa=" + q, "--format", "medrag",
        "--rag-index", idx.toString(), "--rag-k", "1", "--bootstrap", "200", "--no-progress", "--out", run.toString());
    assertThat(cmd.run(recording, cmd.loadQuestions(cmd.data))).isZero();
    assertThat(prompts).hasSize(1);
    assertThat(prompts.get(0)).contains("Document [0] (Title: Aspirin) Aspirin irreversibly inhibits cyclooxygenase.");
    assertThat(Files.readString(run.resolve("run.json"))).contains("\"retrieval\" : \"" + expectedRetrieval).contains(" k=1\"");
    assertThat(RunLog.readDir(run).records().get(0).correct()).isTrue();
  }

  @Test
  void evalAgainstOpenAiCompatibleServerEndToEndAndResume() throws Exception {
    java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
    com.sun.net.httpserver.HttpServer server =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/chat/completions", ex -> {
      requests.incrementAndGet();
      ex.getRequestBody().readAllBytes();
      byte[] body = ("{\"id\":\"c\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
          + "\"content\":\"<think>hm</think>The answer is B.\"},\"finish_reason\":\"stop\"}],"
          + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    try {
      Path run = tmp.resolve("served");
      String[] args = {"eval", "--openai-url", "http://127.0.0.1:" + server.getAddress().getPort() + "/v1",
          "--openai-model", "test-model", "--benchmarks", "medqa=" + TestResources.testdata("eval/medqa_sample.jsonl"),
          "--n", "0", "--bootstrap", "200", "--no-progress", "--out", run.toString()};
      CliResult r = CliResult.run(args);
      assertThat(r.code()).as(r.err()).isZero();
      var records = RunLog.readDir(run).records();
      assertThat(requests.get()).isEqualTo(records.size());
      assertThat(records).allSatisfy(x -> assertThat(x.extracted()).isEqualTo("B"));
      long goldB = records.stream().filter(x -> x.gold().equals("B")).count();
      assertThat(r.out()).contains("| served | medqa | " + records.size() + " | " + goldB + " |");
      assertThat(Files.readString(run.resolve("run.json"))).contains("\"model\" : \"test-model\"");

      CliResult again = CliResult.run(args);
      assertThat(again.code()).as(again.err()).isZero();
      assertThat(requests.get()).isEqualTo(records.size());
      assertThat(again.err()).contains("resumed: " + records.size() + " items were already recorded, 0 scored now");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void loglikelihoodModeScoresLetters() throws Exception {
    List<String> contexts = new java.util.ArrayList<>();
    LanguageModel ll = ScriptedLanguageModel.builder().name("ll").chatOnly().answers().loglikelihood(r -> {
      contexts.add(r.context());
      return r.continuation().equals(" C") ? -0.5 : -2.0;
    }).build();
    EvalCommand cmd = new EvalCommand();
    CommandLine cl = new CommandLine(cmd);
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(new StringWriter()));
    Path run = tmp.resolve("ll");
    cl.parseArgs("--openai-url", "http://unused", "--benchmarks", "medqa=" + TestResources.testdata("eval/medqa_sample.jsonl"),
        "--mode", "loglikelihood", "--n", "0", "--bootstrap", "200", "--no-progress", "--out", run.toString());
    List<Question> qs = cmd.loadQuestions(cmd.data);
    assertThat(cmd.run(ll, qs)).isZero();
    var records = RunLog.readDir(run).records();
    assertThat(records).hasSize(qs.size()).allSatisfy(r -> {
      assertThat(r.extracted()).isEqualTo("C");
      assertThat(r.mode()).isEqualTo("loglikelihood");
      assertThat(r.correct()).isEqualTo(r.gold().equals("C"));
    });
    assertThat(contexts.get(0)).startsWith("Question: ").endsWith("Answer:");
    assertThat(contexts).hasSize(4 * qs.size());
  }

  @Test
  void evalWithLocalTinyModel() throws Exception {
    // The tiny byte-level chat checkpoint produces arbitrary text: its answers are mostly UNPARSED,
    // which must be recorded with a reason and counted wrong.
    Path run = tmp.resolve("tiny");
    CliResult r = CliResult.run("eval", "--model", TestResources.tinyModel("qwen2-tiny-bytes-chat").toString(),
        "--benchmarks", "medqa=" + TestResources.testdata("eval/medqa_sample.jsonl"), "--n", "2",
        "--max-new-tokens", "6", "--bootstrap", "200", "--no-progress", "--out", run.toString());
    assertThat(r.code()).as(r.err()).isZero();
    var records = RunLog.readDir(run).records();
    assertThat(records).hasSize(2);
    assertThat(records).allSatisfy(x -> {
      assertThat(x.correct()).isEqualTo(x.extracted().equals(x.gold()));
      if (x.isUnparsed()) {
        assertThat(x.rule()).isNotBlank();
      }
    });
    assertThat(Files.readString(run.resolve("run.json"))).contains("\"model\" : \"qwen2-tiny-bytes-chat\"");

    Path ll = tmp.resolve("tiny-ll");
    CliResult l = CliResult.run("eval", "--model", TestResources.tinyModel("qwen2-tiny-bytes-chat").toString(),
        "--benchmarks", "medqa=" + TestResources.testdata("eval/medqa_sample.jsonl"), "--n", "2", "--mode", "loglikelihood",
        "--bootstrap", "200", "--no-progress", "--out", ll.toString());
    assertThat(l.code()).as(l.err()).isZero();
    var llRecords = RunLog.readDir(ll).records();
    assertThat(llRecords).hasSize(2).allSatisfy(x -> {
      assertThat(x.mode()).isEqualTo("loglikelihood");
      assertThat(x.extracted()).isIn("A", "B", "C", "D");
      assertThat(new ObjectMapper().readTree(x.output()).get("loglikelihoods")).hasSize(4);
    });
  }

  @Test
  void withoutModelOrDataRunsTheEmbeddedDefaultAndSaysSo() throws Exception {
    Path run = tmp.resolve("embedded");
    CliResult r = CliResult.run("eval", "--n", "2", "--mode", "loglikelihood", "--bootstrap", "100", "--no-progress",
        "--out", run.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("eval: no --data, so the embedded benchmark sample is used")
        .contains("eval: no --model or --openai-url, so the embedded model runs").contains("RANDOM");
    var records = RunLog.readDir(run).records();
    // the four default benchmarks, two seeded questions each
    assertThat(records).hasSize(8);
    assertThat(records.stream().map(x -> x.benchmark()).distinct()).hasSize(4);
  }

  @Test
  void openAiUrlNeedsModelName() {
    CliResult r = CliResult.run("eval", "--openai-url", "http://127.0.0.1:9/v1", "--benchmarks",
        "medqa=" + TestResources.testdata("eval/medqa_sample.jsonl"), "--out", tmp.resolve("x").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: --openai-model is required with --openai-url");
  }

  @Test
  void compareRejectsNonRunDirectory() {
    CliResult r = CliResult.run("compare", tmp.toString(), tmp.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: " + tmp.resolve("run.json") + " does not exist");
  }

  @Test
  void powerPrintsSampleSizeAndDetectableDifference() throws Exception {
    CliResult r = CliResult.run("power", "--p", "0.3", "--delta", "0.05");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("Independent samples: 1377 questions per arm (exact 1376.30)")
        .contains("Minimum detectable difference at n = 200 per arm: 0.1347");
    CliResult j = CliResult.run("power", "--p", "0.3", "--delta", "0.05", "--discordant", "0.2", "--json");
    JsonNode json = new ObjectMapper().readTree(j.out());
    assertThat(json.get("n_per_arm").asInt()).isEqualTo(1377);
    assertThat(json.get("paired_n").asInt()).isEqualTo(626);
    assertThat(json.get("paired_mdd").asDouble()).isBetween(0.0880, 0.0881);
  }

  @Test
  void powerRejectsBadInput() {
    CliResult r = CliResult.run("power", "--p", "1.5", "--delta", "0.05");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("error: p must be in (0, 1), was 1.5" + System.lineSeparator());
  }
}
