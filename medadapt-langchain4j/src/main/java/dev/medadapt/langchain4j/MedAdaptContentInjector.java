package dev.medadapt.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.injector.ContentInjector;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.rag.pipeline.PromptTemplate;
import dev.medadapt.rag.retrieve.Hit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A LangChain4j {@link ContentInjector} that writes the retrieved passages into the user message
 * with a MedAdapt {@link PromptTemplate}, so a LangChain4j assistant sends the model the same user
 * turn as {@code RagPipeline} does for the same question and passages. The template's system turn
 * is not part of injection in LangChain4j: give {@link #systemMessage()} to the AI service
 * ({@code AiServices.builder(..).systemMessageProvider(id -> injector.systemMessage())}).
 *
 * <p>Contents must come from a {@link MedAdaptContentRetriever} (they carry the passage id and
 * title). Templates with an {@code {options}} placeholder render it empty.
 *
 * <pre>{@code
 * MedAdaptContentInjector injector = MedAdaptContentInjector.of(PromptTemplate.REFERENCE_STUDY);
 * }</pre>
 */
public final class MedAdaptContentInjector implements ContentInjector {
  private final PromptTemplate template;

  private MedAdaptContentInjector(PromptTemplate template) {
    this.template = template;
  }

  /** An injector rendering with {@code template}. */
  public static MedAdaptContentInjector of(PromptTemplate template) {
    Ensure.notNull(template, "template");
    String system = template.system();
    if (system != null && (system.contains("{question}") || system.contains("{context}") || system.contains("{options}"))) {
      // LangChain4j asks for the system message per conversation, before retrieval: it cannot hold these.
      throw new ConfigurationException("prompt template '" + template.name()
          + "': its system message has {question}, {context} or {options}, which LangChain4j's system message cannot carry");
    }
    return new MedAdaptContentInjector(template);
  }

  /** The template this injector renders with. */
  public PromptTemplate template() {
    return template;
  }

  /** The template's system message (null when it has none). */
  public String systemMessage() {
    return template.system();
  }

  @Override
  public ChatMessage inject(List<Content> contents, ChatMessage chatMessage) {
    Ensure.notNull(contents, "contents");
    if (!(chatMessage instanceof UserMessage user) || !user.hasSingleText()) {
      throw new ConfigurationException(
          "prompt template '" + template.name() + "' can only be injected into a text-only user message, got "
              + (chatMessage == null ? "null" : chatMessage.type()));
    }
    List<Hit> hits = new ArrayList<>(contents.size());
    for (Content c : contents) {
      hits.add(MedAdaptContentRetriever.toHit(c));
    }
    List<dev.medadapt.core.llm.ChatMessage> rendered = template.render(user.singleText(), Map.of(), hits);
    String text = rendered.get(rendered.size() - 1).content();
    return UserMessage.builder()
        .name(user.name())
        .contents(List.of(TextContent.from(text)))
        .attributes(user.attributes())
        .build();
  }
}
