package dev.medadapt.core.llm;

import dev.medadapt.core.Ensure;

/**
 * One turn of a conversation, with the role names Hugging Face chat templates and OpenAI-compatible
 * APIs both use ({@code system}, {@code user}, {@code assistant}).
 */
public record ChatMessage(Role role, String content) {
  public ChatMessage {
    Ensure.notNull(role, "role");
    Ensure.notNull(content, "content");
  }

  public static ChatMessage system(String content) {
    return new ChatMessage(Role.SYSTEM, content);
  }

  public static ChatMessage user(String content) {
    return new ChatMessage(Role.USER, content);
  }

  public static ChatMessage assistant(String content) {
    return new ChatMessage(Role.ASSISTANT, content);
  }

  /** Conversation roles. */
  public enum Role {
    SYSTEM("system"),
    USER("user"),
    ASSISTANT("assistant");

    private final String wireName;

    Role(String wireName) {
      this.wireName = wireName;
    }

    /** The name used in chat templates and on the wire. */
    public String wireName() {
      return wireName;
    }
  }
}
