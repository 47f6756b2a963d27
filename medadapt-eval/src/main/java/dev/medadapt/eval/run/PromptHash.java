package dev.medadapt.eval.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.medadapt.core.MedAdaptException;
import dev.medadapt.core.llm.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256 of exactly what a model was asked, so that a resumed run can tell a finished item from
 * one whose prompt has changed.
 *
 * <p>The hashed bytes are the UTF-8 of the compact JSON array
 * {@code [{"role":"system","content":"..."},{"role":"user","content":"..."}]} (OpenAI wire
 * format, keys in this order, Jackson's escaping), hex-encoded in lower case.
 */
public final class PromptHash {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PromptHash() {}

  /** Hash of a conversation. */
  public static String of(List<ChatMessage> messages) {
    ArrayNode arr = JSON.createArrayNode();
    for (ChatMessage m : messages) {
      arr.addObject().put("role", m.role().wireName()).put("content", m.content());
    }
    return sha256(write(arr));
  }

  /** Hash of a list of strings (for log-likelihood requests: context, then each continuation). */
  public static String ofStrings(List<String> parts) {
    ArrayNode arr = JSON.createArrayNode();
    parts.forEach(arr::add);
    return sha256(write(arr));
  }

  private static String write(ArrayNode arr) {
    try {
      return JSON.writeValueAsString(arr);
    } catch (JsonProcessingException e) {
      throw new MedAdaptException("cannot serialize prompt for hashing", e);
    }
  }

  private static String sha256(String s) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      // every Java platform must provide SHA-256 (MessageDigest Javadoc)
      throw new MedAdaptException("SHA-256 unavailable", e);
    }
  }
}
