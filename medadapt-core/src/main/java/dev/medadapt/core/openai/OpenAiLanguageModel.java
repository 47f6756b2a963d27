package dev.medadapt.core.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelServiceException;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LanguageModel} served over an OpenAI-compatible HTTP API (OpenAI, vLLM, llama.cpp
 * server, Ollama, TGI): chat through {@code POST {baseUrl}/chat/completions}, raw continuation
 * through {@code POST {baseUrl}/completions}, streamed as server-sent events when a text callback is
 * given.
 *
 * <pre>{@code
 * try (LanguageModel lm = OpenAiLanguageModel.builder()
 *     .baseUrl("http://127.0.0.1:8000/v1")
 *     .model("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B")
 *     .apiKeyEnv("OPENAI_API_KEY")
 *     .build()) {
 *   Generation g = lm.chat(List.of(ChatMessage.user("Antidote for acetaminophen?")), GenerationOptions.greedy(256));
 * }
 * }</pre>
 *
 * <p>Option mapping: {@code maxNewTokens -> max_tokens}, {@code temperature}, {@code topP -> top_p},
 * {@code seed}, {@code stopStrings -> stop} (also cut locally), and, only when set, the vLLM
 * extensions {@code topK -> top_k} and {@code stopTokenIds -> stop_token_ids}.
 *
 * <p>Failures: HTTP 429 and 5xx, connection errors and timeouts (no headers, or a body that goes silent, for
 * {@code requestTimeout}) are retried up to {@code maxRetries}
 * times with exponential backoff and jitter drawn from a generator seeded by {@code seed} (a
 * {@code Retry-After} header is honoured); a streamed call is not retried once text has been
 * passed to the callback. Other statuses fail at once. Every failure is a
 * {@link ModelServiceException} naming the URL, the status and an excerpt of the body.
 *
 * <p>Log-likelihood scoring is available when {@link Builder#loglikelihoodViaEcho(boolean)} is set
 * and the server supports {@code echo} with {@code logprobs} on {@code /completions} (as
 * lm-evaluation-harness' {@code local-completions} model uses it).
 *
 * <p>Thread-safe.
 */
public final class OpenAiLanguageModel implements LanguageModel {
  private static final Logger LOG = LoggerFactory.getLogger(OpenAiLanguageModel.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BODY_EXCERPT = 500;

  private final URI baseUri;
  private final String model;
  private final String name;
  private final String apiKey;
  private final Duration requestTimeout;
  private final int maxRetries;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final boolean loglikelihoodViaEcho;
  private final int maxConcurrentRequests;
  private final Random jitter;
  private final HttpClient client;

  private OpenAiLanguageModel(Builder b, URI baseUri, String apiKey) {
    this.baseUri = baseUri;
    this.model = b.model;
    this.name = b.name != null ? b.name : b.model;
    this.apiKey = apiKey;
    this.requestTimeout = b.requestTimeout;
    this.maxRetries = b.maxRetries;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.loglikelihoodViaEcho = b.loglikelihoodViaEcho;
    this.maxConcurrentRequests = b.maxConcurrentRequests;
    this.jitter = new Random(b.seed);
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(b.connectTimeout)
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  /** The model id sent in every request. */
  public String model() {
    return model;
  }

  @Override
  public Generation generate(String prompt, GenerationOptions options) {
    return complete(false, completionBody(prompt, options), options, null);
  }

  @Override
  public Generation generate(String prompt, GenerationOptions options, Consumer<String> onText) {
    Ensure.notNull(onText, "onText");
    return complete(false, completionBody(prompt, options), options, onText);
  }

  @Override
  public Generation chat(List<ChatMessage> messages, GenerationOptions options) {
    return complete(true, chatBody(messages, options), options, null);
  }

  @Override
  public Generation chat(List<ChatMessage> messages, GenerationOptions options, Consumer<String> onText) {
    Ensure.notNull(onText, "onText");
    return complete(true, chatBody(messages, options), options, onText);
  }

  /**
   * Sends up to {@code maxConcurrentRequests} prompts at a time to {@code /completions} (servers
   * such as vLLM batch concurrent requests); results are in input order. The first failure is
   * thrown after the requests in flight finish; requests not yet started are cancelled.
   */
  @Override
  public List<Generation> generateBatch(List<String> prompts, GenerationOptions options) {
    Ensure.notNull(prompts, "prompts");
    Ensure.notNull(options, "options");
    int threads = Math.min(maxConcurrentRequests, prompts.size());
    if (threads <= 1) {
      return LanguageModel.super.generateBatch(prompts, options);
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "medadapt-openai-batch");
      t.setDaemon(true);
      return t;
    });
    try {
      List<java.util.concurrent.Future<Generation>> futures = new ArrayList<>(prompts.size());
      for (String p : prompts) {
        futures.add(pool.submit(() -> generate(p, options)));
      }
      List<Generation> out = new ArrayList<>(prompts.size());
      for (java.util.concurrent.Future<Generation> f : futures) {
        try {
          out.add(f.get());
        } catch (java.util.concurrent.ExecutionException e) {
          futures.forEach(x -> x.cancel(false));
          if (e.getCause() instanceof RuntimeException re) {
            throw re;
          }
          throw new ModelServiceException("batch request failed: " + e.getCause(), e.getCause());
        }
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ModelServiceException("batch generation interrupted", e);
    } finally {
      pool.shutdownNow();
    }
  }

  @Override
  public boolean supportsLoglikelihood() {
    return loglikelihoodViaEcho;
  }

  /**
   * Scores each request with one {@code /completions} call ({@code echo: true, logprobs: 1,
   * max_tokens: 1}) on {@code context + continuation}; the continuation's tokens are those whose
   * {@code text_offset} is at or after the end of the context, as the server tokenized the joined
   * text.
   */
  @Override
  public List<LoglikelihoodResult> loglikelihood(List<LoglikelihoodRequest> requests) {
    if (!loglikelihoodViaEcho) {
      throw new UnsupportedFeatureException(
          name + " does not score log-likelihoods: the OpenAI chat API has no prompt log-probabilities;"
              + " enable loglikelihoodViaEcho(true) for servers whose /completions supports echo with logprobs");
    }
    Ensure.notNull(requests, "requests");
    List<LoglikelihoodResult> out = new ArrayList<>(requests.size());
    for (LoglikelihoodRequest r : requests) {
      out.add(scoreOne(r));
    }
    return out;
  }

  /**
   * Cancels the requests still in flight and frees the client's connections (JDK 21 and later; on JDK 17 the client
   * has no close and its idle connections time out on their own). Does not wait for a reply: {@code HttpClient.close()}
   * would wait, uninterruptibly, for every request the client ever sent to finish.
   */
  @Override
  public void close() {
    try {
      HttpClient.class.getMethod("shutdownNow").invoke(client);
    } catch (NoSuchMethodException e) {
      // JDK 17: nothing to free.
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("shutting down the HTTP client failed", e);
    }
  }

  // ---------------------------------------------------------------------------------------------

  private ObjectNode commonBody(GenerationOptions o) {
    Ensure.notNull(o, "options");
    ObjectNode body = JSON.createObjectNode();
    body.put("model", model);
    body.put("max_tokens", o.maxNewTokens());
    body.put("temperature", o.temperature());
    if (o.topP() < 1.0) {
      body.put("top_p", o.topP());
    }
    body.put("seed", o.seed());
    if (!o.stopStrings().isEmpty()) {
      ArrayNode stop = body.putArray("stop");
      o.stopStrings().forEach(stop::add);
    }
    if (o.topK() > 0) {
      body.put("top_k", o.topK());
    }
    if (!o.stopTokenIds().isEmpty()) {
      ArrayNode ids = body.putArray("stop_token_ids");
      o.stopTokenIds().stream().sorted().forEach(ids::add);
    }
    return body;
  }

  private ObjectNode chatBody(List<ChatMessage> messages, GenerationOptions o) {
    Ensure.notEmpty(messages, "messages");
    ObjectNode body = commonBody(o);
    ArrayNode arr = JSON.createArrayNode();
    for (ChatMessage m : messages) {
      ObjectNode msg = arr.addObject();
      msg.put("role", m.role().wireName());
      msg.put("content", m.content());
    }
    // Keep "model" first and "messages" second for readable logs.
    ObjectNode ordered = JSON.createObjectNode();
    ordered.put("model", model);
    ordered.set("messages", arr);
    body.fields().forEachRemaining(e -> {
      if (!e.getKey().equals("model")) {
        ordered.set(e.getKey(), e.getValue());
      }
    });
    return ordered;
  }

  private ObjectNode completionBody(String prompt, GenerationOptions o) {
    Ensure.notNull(prompt, "prompt");
    ObjectNode body = commonBody(o);
    body.put("prompt", prompt);
    return body;
  }

  private Generation complete(boolean chat, ObjectNode body, GenerationOptions options, Consumer<String> onText) {
    URI uri = endpoint(chat ? "chat/completions" : "completions");
    boolean stream = onText != null;
    if (stream) {
      body.put("stream", true);
      body.putObject("stream_options").put("include_usage", true);
    }
    long start = System.nanoTime();
    StreamState state = new StreamState(onText, options.stopStrings());
    JsonNode reply = send(uri, body, stream ? state : null);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    if (stream) {
      state.finish();
      return new Generation(state.text(), state.promptTokens, state.completionTokens, state.finishReason(), elapsed);
    }
    JsonNode choice = firstChoice(uri, reply);
    JsonNode textNode = chat ? choice.path("message").path("content") : choice.path("text");
    if (!textNode.isTextual() && !textNode.isNull()) {
      throw new ModelServiceException(
          "POST " + uri + ": reply has no " + (chat ? "choices[0].message.content" : "choices[0].text") + ": " + excerpt(reply.toString()));
    }
    String text = textNode.isNull() ? "" : textNode.asText();
    Generation.FinishReason reason = finishReason(choice.path("finish_reason").asText(""));
    String cut = cutAtStop(text, options.stopStrings());
    if (cut.length() < text.length()) {
      reason = Generation.FinishReason.STOP;
    }
    JsonNode usage = reply.path("usage");
    return new Generation(
        cut, usage.path("prompt_tokens").asInt(-1), usage.path("completion_tokens").asInt(-1), reason, elapsed);
  }

  private LoglikelihoodResult scoreOne(LoglikelihoodRequest r) {
    URI uri = endpoint("completions");
    ObjectNode body = JSON.createObjectNode();
    body.put("model", model);
    String text = r.context() + r.continuation();
    body.put("prompt", text);
    body.put("max_tokens", 1);
    body.put("temperature", 0.0);
    body.put("logprobs", 1);
    body.put("echo", true);
    JsonNode lp = firstChoice(uri, send(uri, body, null)).path("logprobs");
    JsonNode tokens = lp.path("tokens");
    JsonNode tokenLogprobs = lp.path("token_logprobs");
    JsonNode offsets = lp.path("text_offset");
    JsonNode top = lp.path("top_logprobs");
    if (!tokens.isArray() || !tokenLogprobs.isArray() || !offsets.isArray() || offsets.size() != tokens.size()) {
      throw new ModelServiceException(
          "POST " + uri + ": reply has no echoed choices[0].logprobs (tokens, token_logprobs, text_offset);"
              + " the server does not support echo with logprobs: " + excerpt(lp.toString()));
    }
    int ctxLen = r.context().length();
    double sum = 0;
    boolean greedy = true;
    int n = 0;
    for (int i = 0; i < tokens.size(); i++) {
      int off = offsets.get(i).asInt();
      if (off < ctxLen) {
        continue;
      }
      if (off >= text.length()) {
        break; // the generated token after the echo
      }
      JsonNode l = tokenLogprobs.get(i);
      if (l == null || !l.isNumber()) {
        throw new ModelServiceException("POST " + uri + ": token_logprobs[" + i + "] is not a number: " + l);
      }
      sum += l.asDouble();
      n++;
      JsonNode alternatives = top.path(i);
      if (alternatives.isObject()) {
        String tok = tokens.get(i).asText();
        double best = Double.NEGATIVE_INFINITY;
        String bestTok = null;
        var it = alternatives.fields();
        while (it.hasNext()) {
          Map.Entry<String, JsonNode> e = it.next();
          if (e.getValue().asDouble() > best) {
            best = e.getValue().asDouble();
            bestTok = e.getKey();
          }
        }
        greedy &= tok.equals(bestTok);
      } else {
        greedy = false;
      }
    }
    if (n == 0) {
      throw new ModelServiceException(
          "POST " + uri + ": no echoed token starts inside the continuation " + excerpt(r.continuation()));
    }
    return new LoglikelihoodResult(sum, greedy, n);
  }

  private URI endpoint(String path) {
    String base = baseUri.toString();
    return URI.create(base.endsWith("/") ? base + path : base + "/" + path);
  }

  private static JsonNode firstChoice(URI uri, JsonNode reply) {
    JsonNode choice = reply.path("choices").path(0);
    if (choice.isMissingNode()) {
      throw new ModelServiceException("POST " + uri + ": reply has no choices: " + excerpt(reply.toString()));
    }
    return choice;
  }

  private static Generation.FinishReason finishReason(String s) {
    return "length".equals(s) ? Generation.FinishReason.LENGTH : Generation.FinishReason.STOP;
  }

  static String cutAtStop(String text, List<String> stops) {
    int cut = text.length();
    for (String s : stops) {
      int k = text.indexOf(s);
      if (k >= 0 && k < cut) {
        cut = k;
      }
    }
    return text.substring(0, cut);
  }

  /**
   * Sends with retries. For a streaming call the events are fed to {@code stream} and the return
   * value is null.
   */
  private JsonNode send(URI uri, ObjectNode body, StreamState stream) {
    String payload;
    try {
      payload = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new ModelServiceException("cannot serialize the request for " + uri + ": " + e.getMessage(), e);
    }
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(uri)
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .header("Accept", stream != null ? "text/event-stream" : "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(payload, StandardCharsets.UTF_8));
    if (apiKey != null) {
      rb.header("Authorization", "Bearer " + apiKey);
    }
    HttpRequest request = rb.build();
    String lastFailure = null;
    for (int attempt = 0; attempt <= maxRetries; attempt++) {
      Duration wait = null;
      try {
        HttpResponse<InputStream> resp = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        int status = resp.statusCode();
        if (status / 100 == 2) {
          try (InputStream in = new IdleTimeoutInputStream(resp.body(), requestTimeout, "POST " + uri)) {
            if (stream == null) {
              byte[] bytes = in.readAllBytes();
              try {
                return JSON.readTree(bytes);
              } catch (IOException e) {
                throw new ModelServiceException(
                    "POST " + uri + ": reply is not JSON: " + excerpt(new String(bytes, StandardCharsets.UTF_8)), e);
              }
            }
            readEvents(uri, in, stream);
            return null;
          }
        }
        String text = readBody(resp);
        lastFailure = "HTTP " + status + ": " + excerpt(text);
        if (status != 429 && status / 100 != 5) {
          throw new ModelServiceException("POST " + uri + " failed with " + lastFailure);
        }
        wait = retryAfter(resp).orElse(null);
      } catch (HttpTimeoutException e) {
        lastFailure = "timed out after " + requestTimeout.toMillis() + " ms (" + e.getMessage() + ")";
      } catch (IOException e) {
        lastFailure = e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ModelServiceException("POST " + uri + " interrupted", e);
      }
      if (stream != null && stream.emitted()) {
        throw new ModelServiceException(
            "POST " + uri + " failed after streaming part of the answer (not retried): " + lastFailure);
      }
      if (attempt == maxRetries) {
        break;
      }
      Duration delay = backoff(attempt, wait);
      LOG.warn("POST {} failed ({}); retry {}/{} in {} ms", uri, lastFailure, attempt + 1, maxRetries, delay.toMillis());
      try {
        Thread.sleep(delay.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ModelServiceException("POST " + uri + " interrupted while waiting to retry", e);
      }
    }
    throw new ModelServiceException(
        "POST " + uri + " failed after " + (maxRetries + 1) + " attempts; last: " + lastFailure);
  }

  /** Exponential backoff with jitter in [50%, 100%] of the step, or the server's Retry-After. */
  Duration backoff(int attempt, Duration retryAfter) {
    if (retryAfter != null) {
      return retryAfter.compareTo(maxBackoff) > 0 ? maxBackoff : retryAfter;
    }
    double base = initialBackoff.toMillis() * Math.pow(2, attempt);
    double capped = Math.min(base, maxBackoff.toMillis());
    double factor;
    synchronized (jitter) {
      factor = 0.5 + 0.5 * jitter.nextDouble();
    }
    return Duration.ofMillis(Math.round(capped * factor));
  }

  static Optional<Duration> retryAfter(HttpResponse<?> resp) {
    Optional<String> h = resp.headers().firstValue("Retry-After");
    if (h.isEmpty()) {
      return Optional.empty();
    }
    String v = h.get().trim();
    try {
      return Optional.of(Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000)));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return Optional.of(d.isNegative() ? Duration.ZERO : d);
      } catch (RuntimeException ignored) {
        return Optional.empty();
      }
    }
  }

  private static String readBody(HttpResponse<InputStream> resp) {
    try (InputStream in = resp.body()) {
      byte[] b = in.readNBytes(64 * 1024);
      return new String(b, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(body unreadable: " + e.getMessage() + ")";
    }
  }

  static String excerpt(String s) {
    String oneLine = s.replaceAll("\\s+", " ").trim();
    return oneLine.length() <= BODY_EXCERPT ? oneLine : oneLine.substring(0, BODY_EXCERPT) + "...";
  }

  private void readEvents(URI uri, InputStream in, StreamState state) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    StringBuilder data = new StringBuilder();
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.isEmpty()) {
        if (data.length() > 0 && dispatch(uri, data.toString(), state)) {
          return;
        }
        data.setLength(0);
      } else if (line.startsWith("data:")) {
        if (data.length() > 0) {
          data.append('\n');
        }
        data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
      }
      // Other SSE fields (event:, id:, retry:, comments) are ignored.
    }
    if (data.length() > 0 && dispatch(uri, data.toString(), state)) {
      return;
    }
    if (!state.done) {
      throw new IOException("event stream ended without [DONE]");
    }
  }

  /** Handles one SSE event; true at [DONE]. */
  private static boolean dispatch(URI uri, String data, StreamState state) {
    if (data.equals("[DONE]")) {
      state.done = true;
      return true;
    }
    JsonNode ev;
    try {
      ev = JSON.readTree(data);
    } catch (IOException e) {
      throw new ModelServiceException("POST " + uri + ": malformed stream event: " + excerpt(data), e);
    }
    if (ev.has("error")) {
      throw new ModelServiceException("POST " + uri + ": error in stream: " + excerpt(ev.get("error").toString()));
    }
    JsonNode usage = ev.path("usage");
    if (usage.isObject()) {
      state.promptTokens = usage.path("prompt_tokens").asInt(state.promptTokens);
      state.completionTokens = usage.path("completion_tokens").asInt(state.completionTokens);
    }
    JsonNode choice = ev.path("choices").path(0);
    if (choice.isMissingNode()) {
      return false;
    }
    JsonNode piece = choice.has("delta") ? choice.path("delta").path("content") : choice.path("text");
    if (piece.isTextual()) {
      state.accept(piece.asText());
    }
    String fr = choice.path("finish_reason").asText("");
    if (!fr.isEmpty() && !fr.equals("null")) {
      state.reason = finishReason(fr);
    }
    return false;
  }

  /**
   * Accumulates streamed text, passes it on, and stops passing text at a stop string (holding back
   * a tail that could be the start of one).
   */
  private static final class StreamState {
    private final Consumer<String> onText;
    private final List<String> stops;
    private final StringBuilder all = new StringBuilder();
    private int emittedChars;
    private boolean stopped;
    boolean done;
    int promptTokens = -1;
    int completionTokens = -1;
    Generation.FinishReason reason = Generation.FinishReason.STOP;

    StreamState(Consumer<String> onText, List<String> stops) {
      this.onText = onText;
      this.stops = stops;
    }

    void accept(String piece) {
      if (stopped) {
        return;
      }
      all.append(piece);
      String cut = cutAtStop(all.toString(), stops);
      if (cut.length() < all.length()) {
        stopped = true;
        all.setLength(cut.length());
        emitUpTo(cut.length());
        return;
      }
      int hold = 0;
      for (String s : stops) {
        for (int k = Math.min(s.length() - 1, all.length()); k > hold; k--) {
          if (all.toString().endsWith(s.substring(0, k))) {
            hold = k;
            break;
          }
        }
      }
      emitUpTo(all.length() - hold);
    }

    void finish() {
      emitUpTo(all.length());
      if (stopped) {
        reason = Generation.FinishReason.STOP;
      }
    }

    private void emitUpTo(int end) {
      if (end > emittedChars) {
        String s = all.substring(emittedChars, end);
        emittedChars = end;
        onText.accept(s);
      }
    }

    boolean emitted() {
      return emittedChars > 0;
    }

    String text() {
      return all.toString();
    }

    Generation.FinishReason finishReason() {
      return reason;
    }
  }

  /** Builder; values are validated at {@link #build()}. */
  public static final class Builder {
    private String baseUrl;
    private String model;
    private String name;
    private String apiKey;
    private String apiKeyEnv;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(300);
    private int maxRetries = 3;
    private Duration initialBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private long seed = 0L;
    private boolean loglikelihoodViaEcho;
    private int maxConcurrentRequests = 1;
    private Function<String, String> environment = System::getenv;

    private Builder() {}

    /**
     * Required: the API root, e.g. {@code https://api.openai.com/v1} or {@code http://127.0.0.1:8000/v1};
     * a URL without a path gets {@code /v1}.
     */
    public Builder baseUrl(String baseUrl) {
      this.baseUrl = baseUrl;
      return this;
    }

    /** Required: the model id sent with each request. */
    public Builder model(String model) {
      this.model = model;
      return this;
    }

    /** Name for reports; defaults to the model id. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** The API key itself (prefer {@link #apiKeyEnv}). */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    /** Name of the environment variable holding the API key; read at {@link #build()}. */
    public Builder apiKeyEnv(String apiKeyEnv) {
      this.apiKeyEnv = apiKeyEnv;
      return this;
    }

    /** TCP connect timeout. Default 10 s. */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    /**
     * Time until the response headers arrive, and the longest silence allowed while the body streams in (a server that
     * stops sending in the middle of a reply fails, and is retried as a timeout). Default 300 s.
     */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    /** Retries after the first attempt on 429/5xx/connection errors/timeouts, in [0, 20]. Default 3. */
    public Builder maxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      return this;
    }

    /** First backoff step (doubles each retry, with jitter). Default 500 ms. */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
      return this;
    }

    /** Upper bound of one wait, also for Retry-After. Default 30 s. */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
      return this;
    }

    /** Seed of the backoff jitter. Default 0. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Score log-likelihoods with {@code /completions} echo + logprobs. Default false. */
    public Builder loglikelihoodViaEcho(boolean enabled) {
      this.loglikelihoodViaEcho = enabled;
      return this;
    }

    /** Prompts of one {@code generateBatch} call sent at the same time, in [1, 256]. Default 1. */
    public Builder maxConcurrentRequests(int maxConcurrentRequests) {
      this.maxConcurrentRequests = maxConcurrentRequests;
      return this;
    }

    /** Where {@link #apiKeyEnv} is looked up (tests); default {@code System::getenv}. */
    Builder environment(Function<String, String> environment) {
      this.environment = environment;
      return this;
    }

    public OpenAiLanguageModel build() {
      Ensure.notBlank(baseUrl, "baseUrl");
      Ensure.notBlank(model, "model");
      URI uri;
      try {
        uri = URI.create(baseUrl.trim());
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException("baseUrl must be an http(s) URL, was \"" + baseUrl + "\"", e);
      }
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new ConfigurationException("baseUrl must be an http(s) URL, was \"" + baseUrl + "\"");
      }
      if (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/")) {
        uri = URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + "/v1");
      }
      if (apiKey != null && apiKeyEnv != null) {
        throw new ConfigurationException("set apiKey or apiKeyEnv, not both");
      }
      String key = apiKey;
      if (apiKeyEnv != null) {
        Ensure.notBlank(apiKeyEnv, "apiKeyEnv");
        key = environment.apply(apiKeyEnv);
        if (key == null || key.isBlank()) {
          throw new ConfigurationException(
              "apiKeyEnv names the environment variable " + apiKeyEnv + ", which is not set");
        }
      }
      positive(connectTimeout, "connectTimeout");
      positive(requestTimeout, "requestTimeout");
      Ensure.between(maxRetries, 0, 20, "maxRetries");
      Ensure.between(maxConcurrentRequests, 1, 256, "maxConcurrentRequests");
      Ensure.notNull(initialBackoff, "initialBackoff");
      Ensure.notNull(maxBackoff, "maxBackoff");
      if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
        throw new ConfigurationException(
            "backoff must satisfy 0 <= initialBackoff <= maxBackoff, was " + initialBackoff + " and " + maxBackoff);
      }
      return new OpenAiLanguageModel(this, uri, key);
    }

    private static void positive(Duration d, String name) {
      Ensure.notNull(d, name);
      if (d.isZero() || d.isNegative()) {
        throw new ConfigurationException(name + " must be > 0, was " + d);
      }
    }
  }
}
