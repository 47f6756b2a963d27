package dev.medadapt.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.ModelServiceException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.GenerationOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChatModelsTest {
  private final GenerationOptions defaults =
      GenerationOptions.builder().maxNewTokens(64).temperature(0.0).seed(7).stopStrings(List.of("###")).build();

  @Test
  void chatModelMapsTurnsOptionsAndResponse() {
    ScriptedLanguageModel lm = new ScriptedLanguageModel("Metformin", " [1]");
    MedAdaptChatModel chat = MedAdaptChatModel.builder().languageModel(lm).generationOptions(defaults).build();
    ChatResponse r =
        chat.chat(
            ChatRequest.builder()
                .messages(SystemMessage.from("be careful"), UserMessage.from("q1"), AiMessage.from("a1"), UserMessage.from("q2"))
                .parameters(ChatRequestParameters.builder().maxOutputTokens(9).temperature(0.7).topK(5).topP(0.9)
                    .stopSequences(List.of("END")).build())
                .build());
    assertThat(r.aiMessage().text()).isEqualTo("Metformin [1]");
    assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(r.tokenUsage().inputTokenCount()).isEqualTo(11);
    assertThat(r.tokenUsage().outputTokenCount()).isEqualTo(2);
    assertThat(r.modelName()).isEqualTo("scripted");
    assertThat(lm.received.get(0))
        .containsExactly(ChatMessage.system("be careful"), ChatMessage.user("q1"), ChatMessage.assistant("a1"), ChatMessage.user("q2"));
    GenerationOptions o = lm.options.get(0);
    assertThat(o.maxNewTokens()).isEqualTo(9);
    assertThat(o.temperature()).isEqualTo(0.7);
    assertThat(o.topK()).isEqualTo(5);
    assertThat(o.topP()).isEqualTo(0.9);
    assertThat(o.stopStrings()).containsExactly("END");
    assertThat(o.seed()).isEqualTo(7); // LangChain4j has no seed: the builder's is kept

    // without request parameters the builder's options apply (through defaultRequestParameters)
    assertThat(chat.chat("plain")).isEqualTo("Metformin [1]");
    assertThat(lm.options.get(1)).isEqualTo(defaults);
    assertThat(chat.defaultRequestParameters().maxOutputTokens()).isEqualTo(64);
  }

  @Test
  void unsupportedRequestsAreRefusedNamingWhat() {
    ScriptedLanguageModel lm = new ScriptedLanguageModel("x");
    MedAdaptChatModel chat = MedAdaptChatModel.builder().languageModel(lm).build();
    ToolSpecification tool = ToolSpecification.builder().name("lookup").description("d").build();
    assertThatThrownBy(() -> chat.chat(ChatRequest.builder().messages(UserMessage.from("q"))
            .parameters(ChatRequestParameters.builder().toolSpecifications(tool).build()).build()))
        .isInstanceOf(UnsupportedFeatureException.class)
        .hasMessageContaining("toolSpecifications");
    assertThatThrownBy(() -> chat.chat(ChatRequest.builder().messages(UserMessage.from("q"))
            .parameters(ChatRequestParameters.builder().responseFormat(ResponseFormat.JSON).build()).build()))
        .isInstanceOf(UnsupportedFeatureException.class)
        .hasMessageContaining("responseFormat JSON");
    assertThatThrownBy(() -> chat.chat(ChatRequest.builder().messages(UserMessage.from("q"))
            .parameters(ChatRequestParameters.builder().presencePenalty(0.5).build()).build()))
        .isInstanceOf(UnsupportedFeatureException.class)
        .hasMessageContaining("presencePenalty");
    assertThatThrownBy(() -> chat.chat(UserMessage.from(TextContent.from("look"), ImageContent.from("https://example.org/x.png"))))
        .isInstanceOf(UnsupportedFeatureException.class)
        .hasMessageContaining("message 0 (user)")
        .hasMessageContaining("IMAGE");
    assertThatThrownBy(() -> chat.chat(UserMessage.from("q"), ToolExecutionResultMessage.from("id1", "lookup", "42")))
        .isInstanceOf(UnsupportedFeatureException.class)
        .hasMessageContaining("message 1 is of type TOOL_EXECUTION_RESULT");
    assertThat(lm.received).isEmpty(); // refused before the model was called
    assertThatThrownBy(() -> MedAdaptChatModel.builder().build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("languageModel");
  }

  @Test
  void streamingModelStreamsPiecesThenCompletesOrReportsTheError() {
    ScriptedLanguageModel lm = new ScriptedLanguageModel("Iron", " deficiency", " [2]");
    MedAdaptStreamingChatModel chat = MedAdaptStreamingChatModel.builder().languageModel(lm).generationOptions(defaults).build();
    Recorder rec = new Recorder();
    chat.chat(List.of(UserMessage.from("Why anemia?")), rec);
    assertThat(rec.pieces).containsExactly("Iron", " deficiency", " [2]");
    assertThat(rec.complete.aiMessage().text()).isEqualTo(String.join("", rec.pieces));
    assertThat(rec.error).isNull();
    assertThat(rec.events).containsExactly("partial", "partial", "partial", "complete");

    lm.failWith = new ModelServiceException("http://localhost:1/v1: HTTP 503 after 3 attempts");
    Recorder failed = new Recorder();
    chat.chat(List.of(UserMessage.from("Why anemia?")), failed);
    assertThat(failed.complete).isNull();
    assertThat(failed.error).isSameAs(lm.failWith);

    Recorder refused = new Recorder();
    chat.chat(ChatRequest.builder().messages(UserMessage.from("q"))
        .parameters(ChatRequestParameters.builder().frequencyPenalty(1.0).build()).build(), refused);
    assertThat(refused.error).isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("frequencyPenalty");
    assertThat(refused.events).containsExactly("error");
  }

  static final class Recorder implements StreamingChatResponseHandler {
    final List<String> pieces = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    ChatResponse complete;
    Throwable error;

    @Override
    public void onPartialResponse(String partial) {
      pieces.add(partial);
      events.add("partial");
    }

    @Override
    public void onCompleteResponse(ChatResponse response) {
      complete = response;
      events.add("complete");
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      events.add("error");
    }
  }

  @Test
  void capabilitiesAreNoneBeyondText() {
    assertThat(MedAdaptChatModel.builder().languageModel(new ScriptedLanguageModel("x")).build().supportedCapabilities())
        .isEqualTo(Set.of());
  }
}
