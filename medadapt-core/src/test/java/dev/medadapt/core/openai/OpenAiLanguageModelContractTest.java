package dev.medadapt.core.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.openai.ScriptedServer.Reply;
import dev.medadapt.core.testing.LanguageModelContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;

/**
 * The HTTP client against a loopback server that behaves like an OpenAI-compatible one: a deterministic answer per
 * request (streamed as server-sent events when asked), and echo with logprobs on /completions, one token per word.
 */
class OpenAiLanguageModelContractTest extends LanguageModelContract {
  private static final ObjectMapper JSON = new ObjectMapper();
  private ScriptedServer server;

  @Override
  protected LanguageModel create() throws IOException {
    server = new ScriptedServer().replyWith(OpenAiLanguageModelContractTest::answer);
    return OpenAiLanguageModel.builder().baseUrl(server.baseUrl()).model("contract").loglikelihoodViaEcho(true)
        .build();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private static Reply answer(ScriptedServer.Request r) {
    try {
      JsonNode body = JSON.readTree(r.body());
      boolean chat = r.path().endsWith("/chat/completions");
      String input = chat ? body.path("messages").path(body.path("messages").size() - 1).path("content").asText()
          : body.path("prompt").asText();
      if (body.path("echo").asBoolean(false)) {
        return Reply.json(200, echo(input).toString());
      }
      String text = "reply to " + input.length() + " characters";
      if (body.path("stream").asBoolean(false)) {
        List<String> events = new ArrayList<>();
        for (String piece : text.split("(?<= )")) {
          ObjectNode choice = JSON.createObjectNode();
          if (chat) {
            choice.putObject("delta").put("content", piece);
          } else {
            choice.put("text", piece);
          }
          choice.putNull("finish_reason");
          ObjectNode ev = JSON.createObjectNode();
          ev.putArray("choices").add(choice);
          events.add(ev.toString());
        }
        events.add("{\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":4}}");
        events.add("[DONE]");
        return Reply.sse(events);
      }
      ObjectNode choice = JSON.createObjectNode();
      if (chat) {
        choice.putObject("message").put("role", "assistant").put("content", text);
      } else {
        choice.put("text", text);
      }
      choice.put("finish_reason", "stop");
      ObjectNode reply = JSON.createObjectNode();
      reply.putArray("choices").add(choice);
      reply.putObject("usage").put("prompt_tokens", 5).put("completion_tokens", 4);
      return Reply.json(200, reply.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The prompt echoed one token per word (with its leading space), each scored -0.1 per character, plus one more. */
  private static ObjectNode echo(String prompt) {
    ObjectNode lp = JSON.createObjectNode();
    ArrayNode tokens = lp.putArray("tokens");
    ArrayNode logprobs = lp.putArray("token_logprobs");
    ArrayNode offsets = lp.putArray("text_offset");
    ArrayNode top = lp.putArray("top_logprobs");
    Matcher m = Pattern.compile("\\s*\\S+").matcher(prompt);
    while (m.find()) {
      double l = -0.1 * m.group().length();
      tokens.add(m.group());
      logprobs.add(l);
      offsets.add(m.start());
      top.addObject().put(m.group(), l);
    }
    tokens.add(" next");
    logprobs.add(-1.0);
    offsets.add(prompt.length());
    top.addObject().put(" next", -1.0);
    ObjectNode choice = JSON.createObjectNode();
    choice.put("text", prompt + " next");
    choice.set("logprobs", lp);
    ObjectNode reply = JSON.createObjectNode();
    reply.putArray("choices").add(choice);
    return reply;
  }
}
