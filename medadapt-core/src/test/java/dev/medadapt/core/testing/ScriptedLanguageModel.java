package dev.medadapt.core.testing;

import dev.medadapt.core.ModelServiceException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import dev.medadapt.core.llm.TextTokenizer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one fake {@link LanguageModel} of the test suites: answers with a script (a function of the prompt, or of the
 * last chat message, or a queue of fixed answers), optionally scores log-likelihoods with a function, records what it
 * was sent, and can fail on a given call or take a given time. Text is streamed word by word, so streaming callers see
 * several pieces. Thread-safe.
 */
public final class ScriptedLanguageModel implements LanguageModel {
  private final String name;
  private final Function<String, String> reply;
  private final Deque<String> queue;
  private final Function<LoglikelihoodRequest, Double> loglikelihood;
  private final TextTokenizer tokenizer;
  private final int failOnCall;
  private final long latencyMillis;
  private final boolean chatOnly;
  private final AtomicInteger calls = new AtomicInteger();
  private final List<List<ChatMessage>> chats = Collections.synchronizedList(new ArrayList<>());
  private final List<String> prompts = Collections.synchronizedList(new ArrayList<>());

  private ScriptedLanguageModel(Builder b) {
    name = b.name;
    reply = b.reply;
    queue = b.queue == null ? null : new ArrayDeque<>(b.queue);
    loglikelihood = b.loglikelihood;
    tokenizer = b.tokenizer;
    failOnCall = b.failOnCall;
    latencyMillis = b.latencyMillis;
    chatOnly = b.chatOnly;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Answers every prompt (or last chat message) with {@code reply.apply(it)}. */
  public static ScriptedLanguageModel replying(Function<String, String> reply) {
    return builder().reply(reply).build();
  }

  /** Always answers "The answer is {letter}." after a short think block. */
  public static ScriptedLanguageModel always(String letter) {
    return builder().name("always-" + letter).reply(p -> "<think>x</think>The answer is " + letter + ".").build();
  }

  /** One token per whitespace-separated word: easy to count by hand in tests. */
  public static TextTokenizer wordTokenizer() {
    return new TextTokenizer() {
      @Override
      public int[] encode(String text) {
        String t = text.strip();
        return t.isEmpty() ? new int[0] : new int[t.split("\\s+").length];
      }

      @Override
      public String decode(int[] ids, boolean skipSpecialTokens) {
        throw new UnsupportedOperationException("the word tokenizer only counts");
      }
    };
  }

  /** Calls of generate, chat and loglikelihood so far. */
  public int calls() {
    return calls.get();
  }

  /** The conversations {@link #chat} was given, in call order. */
  public List<List<ChatMessage>> chats() {
    synchronized (chats) {
      return List.copyOf(chats);
    }
  }

  /** The prompts {@link #generate} was given, in call order. */
  public List<String> prompts() {
    synchronized (prompts) {
      return List.copyOf(prompts);
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Generation generate(String prompt, GenerationOptions options, Consumer<String> onText) {
    if (chatOnly) {
      throw new AssertionError(name + ": the caller must use chat(), not generate()");
    }
    prompts.add(prompt);
    return answer(prompt, options, onText);
  }

  @Override
  public Generation chat(List<ChatMessage> messages, GenerationOptions options, Consumer<String> onText) {
    chats.add(List.copyOf(messages));
    return answer(messages.get(messages.size() - 1).content(), options, onText);
  }

  private Generation answer(String input, GenerationOptions options, Consumer<String> onText) {
    int call = calls.incrementAndGet();
    if (call == failOnCall) {
      throw new ModelServiceException(name + ": scripted failure on call " + call);
    }
    if (latencyMillis > 0) {
      try {
        Thread.sleep(latencyMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ModelServiceException(name + ": interrupted", e);
      }
    }
    String text;
    if (queue != null) {
      synchronized (queue) {
        if (queue.isEmpty()) {
          throw new AssertionError(name + ": no scripted answer left for call " + call);
        }
        text = queue.removeFirst();
      }
    } else {
      text = reply.apply(input);
    }
    for (String piece : text.split("(?<= )")) {
      if (!piece.isEmpty()) {
        onText.accept(piece);
      }
    }
    return new Generation(text, -1, -1, Generation.FinishReason.STOP, Duration.ofMillis(latencyMillis));
  }

  @Override
  public boolean supportsLoglikelihood() {
    return loglikelihood != null;
  }

  @Override
  public List<LoglikelihoodResult> loglikelihood(List<LoglikelihoodRequest> requests) {
    if (loglikelihood == null) {
      return LanguageModel.super.loglikelihood(requests);
    }
    calls.incrementAndGet();
    return requests.stream().map(r -> new LoglikelihoodResult(loglikelihood.apply(r), false, 1)).toList();
  }

  @Override
  public Optional<TextTokenizer> tokenizer() {
    return Optional.ofNullable(tokenizer);
  }

  @Override
  public void close() {}

  /** Builder: a {@code reply} function or {@code answers} is required. */
  public static final class Builder {
    private String name = "scripted";
    private Function<String, String> reply;
    private List<String> queue;
    private Function<LoglikelihoodRequest, Double> loglikelihood;
    private TextTokenizer tokenizer;
    private int failOnCall = -1;
    private long latencyMillis;
    private boolean chatOnly;

    private Builder() {}

    public Builder name(String v) {
      name = v;
      return this;
    }

    /** Answers with {@code f(prompt)} or {@code f(last chat message)}. */
    public Builder reply(Function<String, String> f) {
      reply = f;
      return this;
    }

    /** Answers with these texts, one per call, in order. */
    public Builder answers(String... texts) {
      queue = List.of(texts);
      return this;
    }

    /** Enables log-likelihood scoring with a scripted value per request. */
    public Builder loglikelihood(Function<LoglikelihoodRequest, Double> f) {
      loglikelihood = f;
      return this;
    }

    public Builder tokenizer(TextTokenizer v) {
      tokenizer = v;
      return this;
    }

    /** Throws a {@link ModelServiceException} on the {@code n}-th call (1-based). */
    public Builder failOnCall(int n) {
      failOnCall = n;
      return this;
    }

    public Builder latency(Duration d) {
      latencyMillis = d.toMillis();
      return this;
    }

    /** Fails the test when {@code generate} is called: for callers that must use the chat template. */
    public Builder chatOnly() {
      chatOnly = true;
      return this;
    }

    public ScriptedLanguageModel build() {
      if ((reply == null) == (queue == null)) {
        throw new IllegalStateException("give exactly one of reply(...) and answers(...)");
      }
      return new ScriptedLanguageModel(this);
    }
  }
}
