package dev.medadapt.rag.pipeline;

import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.TextTokenizer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** A LanguageModel that replays scripted answers and records what it was sent. */
final class ScriptedLanguageModel implements LanguageModel {
  final List<List<ChatMessage>> received = new ArrayList<>();
  private final Deque<String> answers;
  private final TextTokenizer tokenizer;

  ScriptedLanguageModel(TextTokenizer tokenizer, String... answers) {
    this.tokenizer = tokenizer;
    this.answers = new ArrayDeque<>(List.of(answers));
  }

  /** One token per whitespace-separated word: easy to count by hand in tests. */
  static TextTokenizer wordTokenizer() {
    return new TextTokenizer() {
      @Override
      public int[] encode(String text) {
        String t = text.strip();
        return t.isEmpty() ? new int[0] : new int[t.split("\\s+").length];
      }

      @Override
      public String decode(int[] ids, boolean skipSpecialTokens) {
        throw new UnsupportedOperationException("not needed");
      }
    };
  }

  @Override
  public String name() {
    return "scripted";
  }

  @Override
  public Generation generate(String prompt, GenerationOptions options, Consumer<String> onText) {
    throw new AssertionError("the pipeline must use chat()");
  }

  @Override
  public Generation chat(List<ChatMessage> messages, GenerationOptions options, Consumer<String> onText) {
    received.add(List.copyOf(messages));
    String answer = answers.removeFirst();
    for (String piece : answer.split("(?<= )")) {
      onText.accept(piece);
    }
    return new Generation(answer, -1, -1, Generation.FinishReason.STOP, Duration.ZERO);
  }

  @Override
  public Optional<TextTokenizer> tokenizer() {
    return Optional.ofNullable(tokenizer);
  }

  @Override
  public void close() {}
}
