package dev.medadapt.train.data;

import dev.medadapt.core.llm.ChatMessage;
import java.util.List;

/**
 * Renders a conversation to the exact text a model was trained on, normally the model's own chat template
 * (core's {@code ChatTemplate}).
 */
@FunctionalInterface
public interface ChatRenderer {
  /**
   * @param messages the conversation
   * @param addGenerationPrompt whether to append the assistant-turn opener, as Hugging Face's
   *     {@code apply_chat_template(add_generation_prompt=True)} does
   */
  String render(List<ChatMessage> messages, boolean addGenerationPrompt);
}
