package dev.medadapt.eval.testing;

import dev.medadapt.core.ModelServiceException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A fake model for tests: answers each prompt with {@code script.apply(lastUserMessage)}, after
 * sleeping {@code sleepMillis}; optionally fails on the k-th call.
 */
public final class ScriptedLanguageModel implements LanguageModel {
  private final Function<String, String> script;
  private final long sleepMillis;
  private final int failOnCall;
  private final AtomicInteger calls = new AtomicInteger();
  private Function<LoglikelihoodRequest, Double> loglikelihood;

  public ScriptedLanguageModel(Function<String, String> script, long sleepMillis, int failOnCall) {
    this.script = script;
    this.sleepMillis = sleepMillis;
    this.failOnCall = failOnCall;
  }

  public ScriptedLanguageModel(Function<String, String> script) {
    this(script, 0, -1);
  }

  /** Enables log-likelihood scoring with a scripted value per (context, continuation). */
  public ScriptedLanguageModel withLoglikelihood(Function<LoglikelihoodRequest, Double> ll) {
    this.loglikelihood = ll;
    return this;
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

  public int calls() {
    return calls.get();
  }

  @Override
  public String name() {
    return "scripted";
  }

  @Override
  public Generation generate(String prompt, GenerationOptions options, Consumer<String> onText) {
    int call = calls.incrementAndGet();
    if (call == failOnCall) {
      throw new ModelServiceException("scripted failure on call " + call);
    }
    if (sleepMillis > 0) {
      try {
        Thread.sleep(sleepMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ModelServiceException("interrupted", e);
      }
    }
    String text = script.apply(prompt);
    onText.accept(text);
    return new Generation(text, -1, -1, Generation.FinishReason.STOP, Duration.ofMillis(sleepMillis));
  }

  @Override
  public Generation chat(List<ChatMessage> messages, GenerationOptions options, Consumer<String> onText) {
    return generate(messages.get(messages.size() - 1).content(), options, onText);
  }

  @Override
  public void close() {}
}
