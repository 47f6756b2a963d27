package dev.medadapt.langchain4j.internal;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import java.util.ArrayList;
import java.util.List;

/** Conversions between LangChain4j chat requests/responses and MedAdapt's; not API. */
public final class ChatConversion {
  private ChatConversion() {}

  /** LangChain4j's view of MedAdapt decoding options (the defaults of a chat model). */
  public static ChatRequestParameters parameters(String modelName, GenerationOptions o) {
    return ChatRequestParameters.builder()
        .modelName(modelName)
        .maxOutputTokens(o.maxNewTokens())
        .temperature(o.temperature())
        .topK(o.topK() == 0 ? null : o.topK())
        .topP(o.topP())
        .stopSequences(o.stopStrings())
        .build();
  }

  /**
   * The MedAdapt messages of a request. Text-only system, user and assistant turns are supported;
   * tool calls, tool results and non-text content are refused with LangChain4j's
   * {@link UnsupportedFeatureException}, naming the turn.
   */
  public static List<ChatMessage> messages(ChatRequest request, String modelName) {
    List<ChatMessage> out = new ArrayList<>(request.messages().size());
    int i = 0;
    for (dev.langchain4j.data.message.ChatMessage m : request.messages()) {
      if (m instanceof SystemMessage s) {
        out.add(ChatMessage.system(s.text()));
      } else if (m instanceof UserMessage u) {
        if (!u.hasSingleText()) {
          throw new UnsupportedFeatureException(modelName + ": message " + i + " (user) has " + u.contents().size()
              + " contents of types " + u.contents().stream().map(c -> c.type().name()).toList()
              + "; only a single text content is supported");
        }
        out.add(ChatMessage.user(u.singleText()));
      } else if (m instanceof AiMessage a) {
        if (a.hasToolExecutionRequests()) {
          throw new UnsupportedFeatureException(modelName + ": message " + i + " (ai) requests tool executions; tools are not supported");
        }
        out.add(ChatMessage.assistant(a.text() == null ? "" : a.text()));
      } else {
        throw new UnsupportedFeatureException(modelName + ": message " + i + " is of type " + m.type()
            + "; only SYSTEM, USER and AI text messages are supported");
      }
      i++;
    }
    return out;
  }

  /**
   * The decoding options of a request: {@code defaults} overridden by the request's max output
   * tokens, temperature, top-k, top-p and stop sequences. Tools, JSON response formats and
   * frequency/presence penalties are refused, naming the parameter.
   */
  public static GenerationOptions options(ChatRequest request, GenerationOptions defaults, String modelName) {
    ChatRequestParameters p = request.parameters();
    if (p == null) {
      return defaults;
    }
    if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
      throw new UnsupportedFeatureException(modelName + ": toolSpecifications are not supported ("
          + p.toolSpecifications().size() + " given)");
    }
    if (p.responseFormat() != null && p.responseFormat().type() != ResponseFormatType.TEXT) {
      throw new UnsupportedFeatureException(modelName + ": responseFormat " + p.responseFormat().type()
          + " is not supported (only TEXT)");
    }
    if (p.frequencyPenalty() != null && p.frequencyPenalty() != 0.0) {
      throw new UnsupportedFeatureException(modelName + ": frequencyPenalty is not supported, was " + p.frequencyPenalty());
    }
    if (p.presencePenalty() != null && p.presencePenalty() != 0.0) {
      throw new UnsupportedFeatureException(modelName + ": presencePenalty is not supported, was " + p.presencePenalty());
    }
    GenerationOptions.Builder b = defaults.toBuilder();
    if (p.maxOutputTokens() != null) {
      b.maxNewTokens(p.maxOutputTokens());
    }
    if (p.temperature() != null) {
      b.temperature(p.temperature());
    }
    if (p.topK() != null) {
      b.topK(p.topK());
    }
    if (p.topP() != null) {
      b.topP(p.topP());
    }
    if (p.stopSequences() != null) {
      b.stopStrings(p.stopSequences());
    }
    return b.build();
  }

  /** The LangChain4j response of a generation. */
  public static ChatResponse response(Generation g, String modelName) {
    return ChatResponse.builder()
        .aiMessage(AiMessage.from(g.text()))
        .modelName(modelName)
        .tokenUsage(new TokenUsage(
            g.promptTokens() >= 0 ? g.promptTokens() : null, g.generatedTokens() >= 0 ? g.generatedTokens() : null))
        .finishReason(g.finishReason() == Generation.FinishReason.LENGTH ? FinishReason.LENGTH : FinishReason.STOP)
        .build();
  }
}
