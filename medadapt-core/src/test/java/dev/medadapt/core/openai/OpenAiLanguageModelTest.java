package dev.medadapt.core.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.ModelServiceException;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import dev.medadapt.core.openai.ScriptedServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiLanguageModelTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHAT_OK =
      "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Vitamin C.\"},"
          + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4}}";

  private ScriptedServer server;

  @BeforeEach
  void start() throws Exception {
    server = new ScriptedServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private OpenAiLanguageModel.Builder client() {
    return OpenAiLanguageModel.builder()
        .baseUrl(server.baseUrl())
        .model("r1-distill")
        .apiKeyEnv("MEDADAPT_TEST_KEY")
        .environment(Map.of("MEDADAPT_TEST_KEY", "sk-test-123")::get)
        .initialBackoff(Duration.ofMillis(5))
        .maxBackoff(Duration.ofMillis(50))
        .seed(7);
  }

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  @Test
  void chatSendsMappedOptionsAndAuthorization() throws Exception {
    server.reply(Reply.json(200, CHAT_OK));
    try (OpenAiLanguageModel lm = client().build()) {
      GenerationOptions opts =
          GenerationOptions.builder().maxNewTokens(64).temperature(0.6).topP(0.95).topK(20).seed(4242)
              .stopStrings(List.of("</answer>")).stopTokenIds(Set.of(151643)).build();
      Generation g = lm.chat(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Scurvy?")), opts);
      assertThat(g.text()).isEqualTo("Vitamin C.");
      assertThat(g.promptTokens()).isEqualTo(12);
      assertThat(g.generatedTokens()).isEqualTo(4);
      assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP);
      assertThat(lm.name()).isEqualTo("r1-distill");
    }
    ScriptedServer.Request r = server.requests().get(0);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/v1/chat/completions");
    assertThat(r.header("Authorization")).isEqualTo("Bearer sk-test-123");
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(json(r.body()))
        .isEqualTo(json("{\"model\":\"r1-distill\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Scurvy?\"}],\"max_tokens\":64,\"temperature\":0.6,\"top_p\":0.95,"
            + "\"seed\":4242,\"stop\":[\"</answer>\"],\"top_k\":20,\"stop_token_ids\":[151643]}"));
  }

  @Test
  void completionsEndpointForRawPromptsAndLocalStopCut() throws Exception {
    server.reply(Reply.json(200,
        "{\"choices\":[{\"text\":\" B. Metformin\\nQuestion: next\",\"finish_reason\":\"length\"}]}"));
    try (OpenAiLanguageModel lm = client().apiKeyEnv(null).apiKey("k2").build()) {
      Generation g = lm.generate("Answer:", GenerationOptions.builder().maxNewTokens(8)
          .stopStrings(List.of("\nQuestion:")).build());
      assertThat(g.text()).isEqualTo(" B. Metformin");
      assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP);
      assertThat(g.promptTokens()).isEqualTo(-1);
    }
    ScriptedServer.Request r = server.requests().get(0);
    assertThat(r.path()).isEqualTo("/v1/completions");
    assertThat(r.header("Authorization")).isEqualTo("Bearer k2");
    JsonNode body = json(r.body());
    assertThat(body.get("prompt").asText()).isEqualTo("Answer:");
    assertThat(body.get("temperature").asDouble()).isZero();
    assertThat(body.has("top_p")).isFalse();
    assertThat(body.has("top_k")).isFalse();
    assertThat(body.has("stream")).isFalse();
  }

  @Test
  void retriesOn429HonouringRetryAfterThenSucceeds() {
    server.reply(Reply.json(429, "{\"error\":\"rate limited\"}").withHeader("Retry-After", "0.2"))
        .reply(Reply.json(503, "{\"error\":\"overloaded\"}"))
        .reply(Reply.json(200, CHAT_OK));
    try (OpenAiLanguageModel lm = client().maxBackoff(Duration.ofSeconds(1)).build()) {
      long t0 = System.nanoTime();
      Generation g = lm.chat(List.of(ChatMessage.user("q")), GenerationOptions.greedy(4));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(g.text()).isEqualTo("Vitamin C.");
      assertThat(ms).as("waited for Retry-After").isGreaterThanOrEqualTo(200);
    }
    assertThat(server.requests()).hasSize(3);
    assertThat(server.requests()).allSatisfy(r -> assertThat(r.body()).isEqualTo(server.requests().get(0).body()));
  }

  @Test
  void serverErrorsExhaustRetriesWithStatusAndBody() {
    for (int i = 0; i < 3; i++) {
      server.reply(Reply.json(500, "{\"error\":{\"message\":\"CUDA out of memory\"}}"));
    }
    try (OpenAiLanguageModel lm = client().maxRetries(2).build()) {
      assertThatThrownBy(() -> lm.chat(List.of(ChatMessage.user("q")), GenerationOptions.greedy(4)))
          .isInstanceOf(ModelServiceException.class)
          .hasMessageContaining("/v1/chat/completions")
          .hasMessageContaining("3 attempts")
          .hasMessageContaining("HTTP 500")
          .hasMessageContaining("CUDA out of memory");
    }
    assertThat(server.requests()).hasSize(3);
  }

  @Test
  void clientErrorsAreNotRetried() {
    server.reply(Reply.json(401, "{\"error\":\"invalid api key\"}"));
    try (OpenAiLanguageModel lm = client().build()) {
      assertThatThrownBy(() -> lm.generate("x", GenerationOptions.greedy(4)))
          .isInstanceOf(ModelServiceException.class)
          .hasMessageContaining("HTTP 401")
          .hasMessageContaining("invalid api key");
    }
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void requestTimeoutIsRetriedThenReported() {
    server.reply(Reply.json(200, CHAT_OK).delayed(1500)).reply(Reply.json(200, CHAT_OK).delayed(1500));
    try (OpenAiLanguageModel lm = client().requestTimeout(Duration.ofMillis(200)).maxRetries(1).build()) {
      assertThatThrownBy(() -> lm.chat(List.of(ChatMessage.user("q")), GenerationOptions.greedy(4)))
          .isInstanceOf(ModelServiceException.class)
          .hasMessageContaining("2 attempts")
          .hasMessageContaining("timed out after 200 ms");
    }
  }

  /**
   * Closing the model does not wait for a request in flight: on JDK 21 and later {@code HttpClient.close()} would block,
   * uninterruptibly, until the server answers (here 20 s). The request itself then fails there; on JDK 17, whose
   * client has no close, it finishes when the server answers.
   */
  @Test
  void closeDoesNotWaitForARequestInFlight() throws Exception {
    server.reply(Reply.json(200, CHAT_OK).delayed(20_000));
    OpenAiLanguageModel lm = client().maxRetries(0).build();
    java.util.concurrent.CompletableFuture<Generation> inFlight = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> lm.chat(List.of(ChatMessage.user("q")), GenerationOptions.greedy(4)));
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (server.requests().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(server.requests()).hasSize(1);
    long start = System.nanoTime();
    lm.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    if (Runtime.version().feature() >= 21) {
      assertThatThrownBy(() -> inFlight.get(10, java.util.concurrent.TimeUnit.SECONDS))
          .hasCauseInstanceOf(ModelServiceException.class);
    } else {
      inFlight.cancel(true);
    }
  }

  @Test
  void aBodyThatStallsIsATimeoutAndIsRetried() {
    // Headers and half a JSON reply, then silence far longer than the request timeout: the reader must not block.
    String half = CHAT_OK.substring(0, CHAT_OK.length() / 2);
    Reply stalled = new Reply(200, Map.of("Content-Type", "application/json"),
        List.of(half, CHAT_OK.substring(half.length())), 0).stallingBetweenParts(5_000);
    server.reply(stalled).reply(Reply.json(200, CHAT_OK));
    long start = System.nanoTime();
    try (OpenAiLanguageModel lm = client().requestTimeout(Duration.ofMillis(300)).maxRetries(1).build()) {
      Generation g = lm.chat(List.of(ChatMessage.user("q")), GenerationOptions.greedy(4));
      assertThat(g.text()).isNotEmpty();
    }
    assertThat(server.requests()).hasSize(2);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(4_000));
  }

  @Test
  void aStreamThatStallsAfterTextFailsAsATimeoutWithoutRetrying() {
    Reply stalled = Reply.sse(List.of("{\"choices\":[{\"delta\":{\"content\":\"Vitamin\"},\"finish_reason\":null}]}",
        "[DONE]")).stallingBetweenParts(5_000);
    server.reply(stalled);
    try (OpenAiLanguageModel lm = client().requestTimeout(Duration.ofMillis(300)).maxRetries(2).build()) {
      List<String> pieces = new ArrayList<>();
      assertThatThrownBy(() -> lm.chat(List.of(ChatMessage.user("q")), GenerationOptions.greedy(4), pieces::add))
          .isInstanceOf(ModelServiceException.class)
          .hasMessageContaining("not retried")
          .hasMessageContaining("no reply bytes for 300 ms");
      assertThat(pieces).containsExactly("Vitamin");
    }
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void streamsChatDeltasAndStopsAtStopString() throws Exception {
    server.reply(Reply.sse(List.of(
        "{\"choices\":[{\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"<think>short</think>\"},\"finish_reason\":null}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"Vitamin C\"},\"finish_reason\":null}]}",
        "{\"choices\":[{\"delta\":{\"content\":\". END\"},\"finish_reason\":null}]}",
        "{\"choices\":[{\"delta\":{\"content\":\" more\"},\"finish_reason\":\"length\"}]}",
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":5}}",
        "[DONE]")));
    List<String> pieces = new ArrayList<>();
    try (OpenAiLanguageModel lm = client().build()) {
      Generation g = lm.chat(List.of(ChatMessage.user("q")),
          GenerationOptions.builder().maxNewTokens(5).stopStrings(List.of(" END")).build(), pieces::add);
      assertThat(g.text()).isEqualTo("<think>short</think>Vitamin C.");
      assertThat(String.join("", pieces)).isEqualTo(g.text());
      assertThat(pieces).doesNotContain(" E", " END");
      assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP);
      assertThat(g.promptTokens()).isEqualTo(9);
      assertThat(g.generatedTokens()).isEqualTo(5);
    }
    ScriptedServer.Request r = server.requests().get(0);
    JsonNode body = json(r.body());
    assertThat(body.get("stream").asBoolean()).isTrue();
    assertThat(body.get("stream_options").get("include_usage").asBoolean()).isTrue();
    assertThat(r.header("Accept")).isEqualTo("text/event-stream");
  }

  @Test
  void streamsCompletionsAndReportsLength() {
    server.reply(Reply.sse(List.of(
        "{\"choices\":[{\"text\":\"The answer\",\"finish_reason\":null}]}",
        "{\"choices\":[{\"text\":\" is B\",\"finish_reason\":\"length\"}]}",
        "[DONE]")));
    StringBuilder sb = new StringBuilder();
    try (OpenAiLanguageModel lm = client().build()) {
      Generation g = lm.generate("Q:", GenerationOptions.greedy(3), sb::append);
      assertThat(g.text()).isEqualTo("The answer is B");
      assertThat(sb).hasToString("The answer is B");
      assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
    }
  }

  @Test
  void streamErrorAfterTextIsNotRetried() {
    server.reply(new Reply(200, Map.of("Content-Type", "text/event-stream"),
        List.of("data: {\"choices\":[{\"text\":\"partial\"}]}\n\n"), 0)); // ends without [DONE]
    server.reply(Reply.json(200, CHAT_OK));
    List<String> pieces = new ArrayList<>();
    try (OpenAiLanguageModel lm = client().build()) {
      assertThatThrownBy(() -> lm.generate("Q:", GenerationOptions.greedy(3), pieces::add))
          .isInstanceOf(ModelServiceException.class)
          .hasMessageContaining("not retried")
          .hasMessageContaining("[DONE]");
    }
    assertThat(pieces).containsExactly("partial");
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  void loglikelihoodViaEchoScoresOnlyTheContinuation() throws Exception {
    // "The answer is" + " B": server tokens with offsets; the last token is the generated one.
    server.reply(Reply.json(200, "{\"choices\":[{\"text\":\"The answer is B.\",\"logprobs\":{"
        + "\"tokens\":[\"The\",\" answer\",\" is\",\" B\",\".\"],"
        + "\"token_logprobs\":[null,-2.5,-0.5,-1.25,-0.1],"
        + "\"text_offset\":[0,3,10,13,15],"
        + "\"top_logprobs\":[null,{\" answer\":-2.5},{\" is\":-0.5},{\" A\":-0.9,\" B\":-1.25},{\".\":-0.1}]}}]}"));
    try (OpenAiLanguageModel lm = client().loglikelihoodViaEcho(true).build()) {
      assertThat(lm.supportsLoglikelihood()).isTrue();
      List<LoglikelihoodResult> res = lm.loglikelihood(List.of(new LoglikelihoodRequest("The answer is", " B")));
      assertThat(res).containsExactly(new LoglikelihoodResult(-1.25, false, 1));
    }
    JsonNode body = json(server.requests().get(0).body());
    assertThat(body.get("prompt").asText()).isEqualTo("The answer is B");
    assertThat(body.get("echo").asBoolean()).isTrue();
    assertThat(body.get("logprobs").asInt()).isEqualTo(1);
    assertThat(server.requests().get(0).path()).isEqualTo("/v1/completions");
  }

  @Test
  void batchSendsConcurrentRequestsAndKeepsInputOrder() throws Exception {
    // Each reply echoes its prompt; the server holds each request for a while so that they overlap.
    server.replyWith(req -> {
      try {
        String prompt = JSON.readTree(req.body()).get("prompt").asText();
        return Reply.json(200, "{\"choices\":[{\"text\":\"re:" + prompt + "\",\"finish_reason\":\"stop\"}]}").delayed(400);
      } catch (Exception e) {
        return Reply.json(400, "{}");
      }
    });
    List<String> prompts = List.of("p0", "p1", "p2", "p3", "p4", "p5");
    try (OpenAiLanguageModel lm = client().maxConcurrentRequests(3).build()) {
      List<Generation> out = lm.generateBatch(prompts, GenerationOptions.greedy(4));
      assertThat(out).extracting(Generation::text).containsExactly("re:p0", "re:p1", "re:p2", "re:p3", "re:p4", "re:p5");
    }
    assertThat(server.requests()).hasSize(6);
    assertThat(server.maxInFlight()).isBetween(2, 3);
  }

  @Test
  void batchFailureIsThrown() {
    server.replyWith(req -> req.body().contains("\"bad\"") ? Reply.json(400, "{\"error\":\"bad prompt\"}")
        : Reply.json(200, "{\"choices\":[{\"text\":\"ok\",\"finish_reason\":\"stop\"}]}"));
    try (OpenAiLanguageModel lm = client().maxConcurrentRequests(2).build()) {
      assertThatThrownBy(() -> lm.generateBatch(List.of("a", "bad", "c"), GenerationOptions.greedy(2)))
          .isInstanceOf(ModelServiceException.class)
          .hasMessageContaining("HTTP 400")
          .hasMessageContaining("bad prompt");
    }
  }

  @Test
  void loglikelihoodUnsupportedByDefault() {
    try (OpenAiLanguageModel lm = client().build()) {
      assertThat(lm.supportsLoglikelihood()).isFalse();
      assertThatThrownBy(() -> lm.loglikelihood(List.of(new LoglikelihoodRequest("a", "b"))))
          .isInstanceOf(UnsupportedFeatureException.class)
          .hasMessageContaining("r1-distill");
    }
  }

  @Test
  void builderValidation() {
    assertThatThrownBy(() -> OpenAiLanguageModel.builder().model("m").build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("baseUrl");
    assertThatThrownBy(() -> OpenAiLanguageModel.builder().baseUrl("ftp://x").model("m").build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("http(s)");
    assertThatThrownBy(() -> client().environment(k -> null).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("MEDADAPT_TEST_KEY");
    assertThatThrownBy(() -> client().maxRetries(-1).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("maxRetries must be in [0, 20], was -1");
    assertThatThrownBy(() -> client().maxConcurrentRequests(0).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("maxConcurrentRequests must be in [1, 256], was 0");
    assertThatThrownBy(() -> client().requestTimeout(Duration.ZERO).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("requestTimeout");
    try (OpenAiLanguageModel lm = OpenAiLanguageModel.builder().baseUrl("http://localhost:9").model("m").build()) {
      assertThat(lm.model()).isEqualTo("m"); // "/v1" appended to a bare host
    }
  }

  @Test
  void backoffIsExponentialCappedAndReproducibleFromTheSeed() {
    try (OpenAiLanguageModel a = client().initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(1000)).build();
        OpenAiLanguageModel b = client().initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(1000)).build()) {
      for (int attempt = 0; attempt < 6; attempt++) {
        long step = Math.min(1000, 100L << attempt);
        Duration d = a.backoff(attempt, null);
        assertThat(d.toMillis()).isBetween(step / 2, step);
        assertThat(b.backoff(attempt, null)).isEqualTo(d);
      }
      assertThat(a.backoff(0, Duration.ofMillis(300))).isEqualTo(Duration.ofMillis(300));
      assertThat(a.backoff(0, Duration.ofSeconds(60))).isEqualTo(Duration.ofMillis(1000));
    }
  }

  @Test
  void connectionRefusedIsReported() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    try (OpenAiLanguageModel lm = client().baseUrl("http://127.0.0.1:" + port + "/v1").maxRetries(1).build()) {
      assertThatThrownBy(() -> lm.generate("x", GenerationOptions.greedy(1)))
          .isInstanceOf(ModelServiceException.class)
          .hasMessageContaining("127.0.0.1:" + port)
          .hasMessageContaining("2 attempts");
    }
  }
}
