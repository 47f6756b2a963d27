package dev.medadapt.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.langchain4j.internal.ChatConversion;
import java.util.List;

/**
 * A LangChain4j {@link StreamingChatModel} over a MedAdapt {@link LanguageModel}: each piece of
 * text is passed to {@code onPartialResponse} as soon as it is decoded (their concatenation is the
 * final answer), then {@code onCompleteResponse} gets the whole response. Generation runs on the
 * calling thread, so {@code chat(..)} returns after {@code onCompleteResponse} or {@code onError};
 * run it on an executor of your own for a non-blocking call. Options and refusals are those of
 * {@link MedAdaptChatModel}; a refusal or a generation error goes to {@code onError}.
 *
 * <pre>{@code
 * StreamingChatModel chat = MedAdaptStreamingChatModel.builder().languageModel(lm).build();
 * chat.chat("Define sepsis.", handler);
 * }</pre>
 */
public final class MedAdaptStreamingChatModel implements StreamingChatModel {
  private final LanguageModel model;
  private final GenerationOptions options;
  private final ChatRequestParameters defaults;

  private MedAdaptStreamingChatModel(Builder b) {
    this.model = b.model;
    this.options = b.options;
    this.defaults = ChatConversion.parameters(model.name(), options);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
    String name = model.name();
    ChatResponse response;
    try {
      List<dev.medadapt.core.llm.ChatMessage> messages = ChatConversion.messages(request, name);
      Generation g = model.chat(messages, ChatConversion.options(request, options, name), handler::onPartialResponse);
      response = ChatConversion.response(g, name);
    } catch (RuntimeException e) {
      handler.onError(e);
      return;
    }
    handler.onCompleteResponse(response);
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

    public MedAdaptStreamingChatModel build() {
      Ensure.notNull(model, "languageModel");
      Ensure.notNull(options, "generationOptions");
      return new MedAdaptStreamingChatModel(this);
    }
  }
}
