package dev.medadapt.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.io.JsonLines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loaders for the SFT data formats: medical-o1-reasoning-SFT, generic instruction JSONL with a field mapping, and
 * chat JSONL. Every loader accepts JSONL or a single JSON array; a bad row fails with {@code file:line} and the field.
 */
public final class SftDatasets {
  private SftDatasets() {}

  /**
   * FreedomIntelligence/medical-o1-reasoning-SFT rows {@code {Question, Complex_CoT, Response}} rendered with
   * {@link SftTemplate#MEDICAL_O1_REASONING}.
   */
  public static List<SftExample> medicalO1(Path file) {
    return medicalO1(file, SftTemplate.MEDICAL_O1_REASONING);
  }

  /** medical-o1-reasoning-SFT rows rendered with a custom template over the fields question, cot, response. */
  public static List<SftExample> medicalO1(Path file, SftTemplate template) {
    return instruction(
        file, template, Map.of("question", "Question", "cot", "Complex_CoT", "response", "Response"));
  }

  /**
   * Generic instruction JSONL: {@code fieldMapping} maps each template placeholder to a JSON field of the row
   * (placeholders not in the mapping are read from the JSON field of the same name).
   */
  public static List<SftExample> instruction(Path file, SftTemplate template, Map<String, String> fieldMapping) {
    Ensure.notNull(template, "template");
    Ensure.notNull(fieldMapping, "fieldMapping");
    List<SftExample> out = new ArrayList<>();
    for (JsonLines.Row row : JsonLines.readObjects(file, "SFT data")) {
      Map<String, String> values = new HashMap<>();
      for (String field : template.fields()) {
        values.put(field, row.text(fieldMapping.getOrDefault(field, field)));
      }
      out.add(template.render(values, row.source()));
    }
    return out;
  }

  /**
   * Chat JSONL rows {@code {"messages": [{"role": ..., "content": ...}, ...]}} rendered with the model's chat template.
   * The last message must be the assistant's: the prompt is the conversation before it with the generation prompt,
   * the completion is what the full rendering adds after that prompt.
   */
  public static List<SftExample> chat(Path file, ChatRenderer renderer) {
    Ensure.notNull(renderer, "renderer");
    List<SftExample> out = new ArrayList<>();
    for (JsonLines.Row row : JsonLines.readObjects(file, "SFT data")) {
      List<ChatMessage> messages = messages(row);
      String prompt = renderer.render(messages.subList(0, messages.size() - 1), true);
      String full = renderer.render(messages, false);
      if (!full.startsWith(prompt)) {
        throw new DataFormatException(
            row.source()
                + ": the chat template's rendering of the full conversation does not start with its rendering of the"
                + " prompt (template rewrites earlier turns); cannot separate prompt from completion");
      }
      out.add(new SftExample(prompt, full.substring(prompt.length()), row.source()));
    }
    return out;
  }

  private static List<ChatMessage> messages(JsonLines.Row row) {
    JsonNode arr = row.node().get("messages");
    if (arr == null || !arr.isArray() || arr.isEmpty()) {
      throw new DataFormatException(row.source() + ": field 'messages' must be a non-empty array");
    }
    List<ChatMessage> messages = new ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      JsonNode m = arr.get(i);
      String where = row.source() + ": messages[" + i + "]";
      JsonNode role = m.get("role");
      JsonNode content = m.get("content");
      if (role == null || !role.isTextual()) {
        throw new DataFormatException(where + ": missing string field 'role'");
      }
      if (content == null || !content.isTextual()) {
        throw new DataFormatException(where + ": missing string field 'content'");
      }
      ChatMessage.Role r = ROLES.get(role.asText().toLowerCase(Locale.ROOT));
      if (r == null) {
        throw new DataFormatException(
            where + ": unknown role '" + role.asText() + "', expected one of " + ROLES.keySet());
      }
      messages.add(new ChatMessage(r, content.asText()));
    }
    if (messages.get(messages.size() - 1).role() != ChatMessage.Role.ASSISTANT) {
      throw new DataFormatException(row.source() + ": the last message must have role 'assistant' (the completion)");
    }
    return messages;
  }

  private static final Map<String, ChatMessage.Role> ROLES = new LinkedHashMap<>();

  static {
    for (ChatMessage.Role r : ChatMessage.Role.values()) {
      ROLES.put(r.wireName(), r);
    }
  }
}
