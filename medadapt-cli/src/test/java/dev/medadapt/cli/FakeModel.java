package dev.medadapt.cli;

import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A scripted model for CLI tests: chat replies with {@code reply.apply(last user message)};
 * log-likelihood (when {@code ll} is given) scores each request with {@code ll}.
 */
final class FakeModel implements LanguageModel {
  private final String name;
  private final Function<String, String> reply;
  private final Function<LoglikelihoodRequest, Double> ll;

  FakeModel(String name, Function<String, String> reply, Function<LoglikelihoodRequest, Double> ll) {
    this.name = name;
    this.reply = reply;
    this.ll = ll;
  }

  /** Always answers "The answer is {letter}." after a short think block. */
  static FakeModel always(String letter) {
    return new FakeModel("always-" + letter, p -> "<think>x</think>The answer is " + letter + ".", null);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Generation generate(String prompt, GenerationOptions options, Consumer<String> onText) {
    if (reply == null) {
      throw new AssertionError(name + " must not generate");
    }
    String text = reply.apply(prompt);
    onText.accept(text);
    return new Generation(text, 1, 1, Generation.FinishReason.STOP, Duration.ZERO);
  }

  @Override
  public Generation chat(List<ChatMessage> messages, GenerationOptions options, Consumer<String> onText) {
    return generate(messages.get(messages.size() - 1).content(), options, onText);
  }

  @Override
  public boolean supportsLoglikelihood() {
    return ll != null;
  }

  @Override
  public List<LoglikelihoodResult> loglikelihood(List<LoglikelihoodRequest> requests) {
    return requests.stream().map(r -> new LoglikelihoodResult(ll.apply(r), false, 1)).toList();
  }

  @Override
  public void close() {}
}
