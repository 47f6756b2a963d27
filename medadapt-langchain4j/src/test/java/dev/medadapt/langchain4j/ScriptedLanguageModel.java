package dev.medadapt.langchain4j;

import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Answers with fixed pieces of text (streamed one by one) and records what it was asked. */
final class ScriptedLanguageModel implements LanguageModel {
  final List<String> pieces;
  final List<List<ChatMessage>> received = new ArrayList<>();
  final List<GenerationOptions> options = new ArrayList<>();
  RuntimeException failWith;

  ScriptedLanguageModel(String... pieces) {
    this.pieces = List.of(pieces);
  }

  @Override
  public String name() {
    return "scripted";
  }

  @Override
  public Generation generate(String prompt, GenerationOptions o, Consumer<String> onText) {
    return chat(List.of(ChatMessage.user(prompt)), o, onText);
  }

  @Override
  public synchronized Generation chat(List<ChatMessage> messages, GenerationOptions o, Consumer<String> onText) {
    received.add(List.copyOf(messages));
    options.add(o);
    if (failWith != null) {
      throw failWith;
    }
    for (String p : pieces) {
      onText.accept(p);
    }
    return new Generation(String.join("", pieces), 11, pieces.size(), Generation.FinishReason.LENGTH, Duration.ofMillis(1));
  }

  @Override
  public void close() {}
}
