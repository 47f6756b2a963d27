package dev.medadapt.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.langchain4j.internal.ChatConversion;

/**
 * A LangChain4j {@link ChatModel} over a MedAdapt {@link LanguageModel}: the local Qwen2 runtime or
 * the OpenAI-compatible client. Messages are rendered with the model's own chat template. The
 * request's max output tokens, temperature, top-k, top-p and stop sequences override the builder's
 * {@link GenerationOptions} (whose seed is used when sampling). Tools, JSON response formats, images
 * and penalties are refused with LangChain4j's {@code UnsupportedFeatureException}. Thread-safe if
 * the language model is; it does not own the model: close that yourself.
 *
 * <pre>{@code
 * ChatModel chat = MedAdaptChatModel.builder().languageModel(lm).generationOptions(GenerationOptions.greedy(256)).build();
 * String answer = chat.chat("What is the first-line drug for type 2 diabetes?");
 * }</pre>
 */
public final class MedAdaptChatModel implements ChatModel {
  private final LanguageModel model;
  private final GenerationOptions options;
  private final ChatRequestParameters defaults;

  private MedAdaptChatModel(Builder b) {
    this.model = b.model;
    this.options = b.options;
    this.defaults = ChatConversion.parameters(model.name(), options);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public ChatResponse doChat(ChatRequest request) {
    String name = model.name();
    return ChatConversion.response(
        model.chat(ChatConversion.messages(request, name), ChatConversion.options(request, options, name)), name);
  }

  @Override
  public ChatRequestParameters defaultRequestParameters() {
    return defaults;
  }

  /** Builder; {@code languageModel} is required. */
  public static final class Builder {
    private LanguageModel model;
    private GenerationOptions options = GenerationOptions.greedy(512);

    private Builder() {}

    public Builder languageModel(LanguageModel model) {
      this.model = model;
      return this;
    }

    /** Decoding defaults (default greedy, 512 new tokens, RagPipeline's default). */
    public Builder generationOptions(GenerationOptions options) {
      this.options = options;
      return this;
    }

    public MedAdaptChatModel build() {
      Ensure.notNull(model, "languageModel");
      Ensure.notNull(options, "generationOptions");
      return new MedAdaptChatModel(this);
    }
  }
}
