package dev.medadapt.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChatTemplateTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<ChatMessage> messages(JsonNode arr) {
    List<ChatMessage> out = new ArrayList<>();
    for (JsonNode m : arr) {
      ChatMessage.Role role = ChatMessage.Role.valueOf(m.get("role").asText().toUpperCase());
      out.add(new ChatMessage(role, m.get("content").asText()));
    }
    return out;
  }

  /** Every rendering made by Jinja2 the way Hugging Face's apply_chat_template renders (see PROVENANCE.md). */
  @ParameterizedTest
  @ValueSource(strings = {"qwen2_5", "deepseek_r1_distill_qwen"})
  void reproducesReferenceRenderingsByteForByte(String model) throws IOException {
    Path dir = TestResources.testdata("tokenizers/" + model);
    ChatTemplate template = ChatTemplate.load(dir);
    JsonNode ref = JSON.readTree(dir.resolve("reference_renderings.json").toFile());
    assertThat(template.bosToken().orElse(null)).isEqualTo(ref.get("special_tokens").get("bos_token").textValue());
    assertThat(template.eosToken().orElse(null)).isEqualTo(ref.get("special_tokens").get("eos_token").textValue());
    int n = 0;
    for (JsonNode c : ref.get("cases")) {
      String rendered = template.render(messages(c.get("messages")), c.get("add_generation_prompt").asBoolean());
      assertThat(rendered).as("case %d of %s", n, model).isEqualTo(c.get("rendered").asText());
      n++;
    }
    assertThat(n).isEqualTo(6);
  }

  @Test
  void qwenChatExamplesOfTheEncodingReference() throws IOException {
    Path dir = TestResources.testdata("tokenizers/qwen2_5");
    ChatTemplate template = ChatTemplate.load(dir.resolve("tokenizer_config.json"));
    JsonNode ref = JSON.readTree(dir.resolve("reference_encodings.json").toFile());
    for (JsonNode c : ref.get("chat_template_examples")) {
      assertThat(template.render(messages(c.get("messages")), c.get("add_generation_prompt").asBoolean()))
          .isEqualTo(c.get("rendered").asText());
    }
  }

  /** Extra cases (tools, whitespace control, Python string methods) rendered by Jinja2; see make_extra_renderings.py. */
  @Test
  void reproducesJinja2OnExtraCases() throws IOException {
    Path base = TestResources.testdata("tokenizers");
    JsonNode ref = JSON.readTree(base.resolve("extra_renderings.json").toFile());
    int n = 0;
    for (JsonNode c : ref.get("cases")) {
      String t = c.get("template").asText();
      ChatTemplate template =
          t.equals("qwen2_5") || t.equals("deepseek_r1_distill_qwen")
              ? ChatTemplate.of(
                  JSON.readTree(base.resolve(t + "/tokenizer_config.json").toFile()).get("chat_template").asText(),
                  c.get("bos_token").asText(), c.get("eos_token").asText(), t)
              : ChatTemplate.of(t, c.get("bos_token").asText(), c.get("eos_token").asText(), "inline");
      @SuppressWarnings("unchecked")
      Map<String, Object> vars = JSON.convertValue(c.get("variables"), LinkedHashMap.class);
      String rendered = template.render(messages(c.get("messages")), c.get("add_generation_prompt").asBoolean(), vars);
      assertThat(rendered).as(c.get("name").asText()).isEqualTo(c.get("rendered").asText());
      n++;
    }
    assertThat(n).isEqualTo(7);
  }

  /** Newer revisions of R1's template open the reasoning in the generation prompt; whatever the template says is rendered. */
  @Test
  void newerR1TemplateRevisionAppendsThinkToTheGenerationPrompt() throws IOException {
    Path dir = TestResources.testdata("tokenizers/deepseek_r1_distill_qwen");
    String old = JSON.readTree(dir.resolve("tokenizer_config.json").toFile()).get("chat_template").asText();
    String newer = old.replace("{{'<｜Assistant｜>'}}{% endif %}", "{{'<｜Assistant｜><think>\\n'}}{% endif %}");
    assertThat(newer).isNotEqualTo(old);
    ChatTemplate t = ChatTemplate.of(newer, "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "r1-newer");
    assertThat(t.render(List.of(ChatMessage.user("Antidote for acetaminophen?")), true))
        .isEqualTo("<｜begin▁of▁sentence｜><｜User｜>Antidote for acetaminophen?<｜Assistant｜><think>\n");
  }

  @Test
  void messageTextIsNeverInterpretedAsTemplate() {
    ChatTemplate t = ChatTemplate.of("{% for m in messages %}{{ m.content }}{% endfor %}", null, null, "inline");
    assertThat(t.render(List.of(ChatMessage.user("{{ 7 * 7 }} {% if true %}x{% endif %}")), false))
        .isEqualTo("{{ 7 * 7 }} {% if true %}x{% endif %}");
  }

  @Test
  void listValuedTemplateAndAddedTokenObjects(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        """
        {"bos_token": {"__type": "AddedToken", "content": "<B>"}, "eos_token": "<E>", "add_bos_token": true,
         "chat_template": [
           {"name": "default", "template": "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}"},
           {"name": "tool_use", "template": "TOOLS{{ tools | length }}"}]}
        """);
    ChatTemplate t = ChatTemplate.load(dir);
    assertThat(t.addBosToken()).isTrue();
    assertThat(t.render(List.of(ChatMessage.user("hi")), true)).isEqualTo("<B>[user]hi<E>");
    ChatTemplate tools = ChatTemplate.load(dir, "tool_use");
    assertThat(tools.render(List.of(), false, Map.of("tools", List.of(1, 2, 3)))).isEqualTo("TOOLS3");
    assertThatThrownBy(() -> ChatTemplate.load(dir, "rag"))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("tokenizer_config.json")
        .hasMessageContaining("rag")
        .hasMessageContaining("tool_use");
  }

  @Test
  void chatTemplateJinjaBesideTheConfig(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<E>\"}");
    Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages[0].content }}{{ eos_token }}\n");
    assertThat(ChatTemplate.load(dir).render(List.of(ChatMessage.user("q")), false)).isEqualTo("q<E>");
  }

  @Test
  void missingConfigNamesTheFile(@TempDir Path dir) {
    assertThatThrownBy(() -> ChatTemplate.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(dir.resolve("tokenizer_config.json").toString());
  }

  @Test
  void configWithoutTemplateNamesTheFile(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<E>\"}");
    assertThatThrownBy(() -> ChatTemplate.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(dir.resolve("tokenizer_config.json").toString())
        .hasMessageContaining("chat_template");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "line one\\n{% for m in messages %}{{ m.content }}\\n{% if %}x{% endif %}{% endfor %}|3",
        "line one\\n{% for m in messages %}{{ m.content }}|2",
        "line one\\n{% if false %}{{ messages[0].content + }}{% endif %}|2",
        "line one\\n\\n  {%- if true -%}\\n\\n{{ messages[0].content + }}{% endif %}|5"
      })
  void syntaxErrorNamesFileAndLine(String param, @TempDir Path dir) throws IOException {
    String template = param.substring(0, param.lastIndexOf('|'));
    String line = param.substring(param.lastIndexOf('|') + 1);
    Files.writeString(
        dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"" + template.replace("\"", "\\\"") + "\"}");
    assertThatThrownBy(() -> ChatTemplate.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(dir.resolve("tokenizer_config.json").toString())
        .hasMessageContaining("syntax error")
        .hasMessageContaining("line " + line);
  }


  @Test
  void raiseExceptionRejectsTheConversation() {
    ChatTemplate t =
        ChatTemplate.of(
            "{% for m in messages %}{% if (m.role == 'user') != (loop.index0 % 2 == 0) %}"
                + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
                + "{% endif %}{{ m.content }}{% endfor %}",
            null, null, "inline");
    assertThat(t.render(List.of(ChatMessage.user("a"), ChatMessage.assistant("b")), false)).isEqualTo("ab");
    assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), false))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("Conversation roles must alternate");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{{ messages.getClass() }}",
        "{{ messages[0].content.getClass().forName('java.lang.Runtime') }}",
        "{{ messages[0].content.getBytes() }}",
        "{{ messages.append(1) }}",
        "{% include '/etc/passwd' %}",
        "{% import 'x.jinja' as x %}",
        "{% extends 'base.jinja' %}"
      })
  void sandboxRefusesJavaAccessAndFiles(String template) {
    // Refused when loading (disabled tags) or at the latest when rendering (Java access).
    assertThatThrownBy(
            () -> ChatTemplate.of("{% if messages %}" + template + "{% endif %}", null, null, "inline")
                .render(List.of(ChatMessage.user("hi")), false))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("inline");
  }

  @Test
  void classPropertyIsNotReadable() {
    ChatTemplate t = ChatTemplate.of("[{{ messages.class }}][{{ messages[0].content.class }}][{{ loop }}]", null, null, "inline");
    assertThat(t.render(List.of(ChatMessage.user("hi")), false)).isEqualTo("[][][]");
  }

  @Test
  void outputIsBounded() {
    ChatTemplate t =
        ChatTemplate.of(
            "{% for i in range(100000) %}{{ messages[0].content }}{% endfor %}",
            null, null, "inline");
    assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("x".repeat(1000))), false))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("characters");
  }

  @Test
  void loopCappedBySandboxSaysSoAndNamesTheTemplate() {
    // Jinjava's own range() silently stops at its limit; the sandbox's range() refuses instead
    assertThatThrownBy(() -> ChatTemplate.of("x\n{% for i in range(150000) %}{% endfor %}", null, null, "big.jinja"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("chat template in big.jinja at template line 2")
        .hasMessageContaining("range() of 150000 items was stopped by the sandbox")
        .hasMessageContaining("at most 100000");
    // a range that depends on the conversation is caught at render time
    ChatTemplate perChar = ChatTemplate.of(
        "{% for m in messages %}{% for i in range(0, (m.content | length) * 3, 1) %}{% endfor %}{% endfor %}ok",
        null, null, "per-char.jinja");
    assertThat(perChar.render(List.of(ChatMessage.user("abc")), false)).isEqualTo("ok");
    assertThatThrownBy(() -> perChar.render(List.of(ChatMessage.user("x".repeat(40_000))), false))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("per-char.jinja")
        .hasMessageContaining("120000 items");
    // Python's range semantics within the limit
    ChatTemplate r = ChatTemplate.of(
        "{{ range(3) | join(',') }}|{{ range(2, 5) | join(',') }}|{{ range(10, 0, -3) | join(',') }}|"
            + "{{ range(5, 2) | length }}|{% for i in range(100000) %}{% if loop.last %}{{ i }}{% endif %}{% endfor %}",
        null, null, "inline");
    assertThat(r.render(List.of(), false)).isEqualTo("0,1,2|2,3,4|10,7,4,1|0|99999");
  }

  @Test
  void unknownFilterIsRejectedAtLoad() {
    assertThatThrownBy(
            () -> ChatTemplate.of("{% for m in messages %}{{ m.content | no_such_filter }}{% endfor %}", null, null, "inline"))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("inline")
        .hasMessageContaining("unknown filter 'no_such_filter'");
    // '|' inside a string literal is text, not a filter
    assertThat(ChatTemplate.of("{{ 'a | b' | upper }}", null, null, "inline").render(List.of(), false)).isEqualTo("A | B");
  }

  @Test
  void loopFiltersAreRejectedInsteadOfIgnored() {
    assertThatThrownBy(
            () -> ChatTemplate.of("{% for m in messages if m.role != 'system' %}{{ m.content }}{% endfor %}", null, null, "inline"))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("inline")
        .hasMessageContaining("loop filters");
    // A conditional expression in the iterable is not a loop filter.
    assertThat(ChatTemplate.of("{% for m in (messages if true else []) %}{{ m.content }}{% endfor %}", null, null, "inline")
            .render(List.of(ChatMessage.user("u")), false))
        .isEqualTo("u");
  }

  @Test
  void runawayLoopsHitTheRenderTimeout() {
    String loops =
        "{% for i in range(100000) %}{% for j in range(100000) %}{% if i == j %}{% endif %}{% endfor %}{% endfor %}";
    long t0 = System.nanoTime();
    // Caught when the template is checked at load, or at the latest when rendering.
    assertThatThrownBy(() -> ChatTemplate.of(loops, null, null, "inline", java.time.Duration.ofMillis(300)).render(List.of(), false))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("inline")
        .hasMessageContaining("longer than 300 ms");
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
    // The same guard at render time, with a template that is quick on the load-time sample.
    ChatTemplate slowOnLongInput =
        ChatTemplate.of(
            "{% for m in messages %}{% for i in range(m.content | length) %}{% for j in range(m.content | length) %}"
                + "{% if i == j %}{% endif %}{% endfor %}{% endfor %}{% endfor %}",
            null, null, "inline", java.time.Duration.ofMillis(300));
    assertThatThrownBy(() -> slowOnLongInput.render(List.of(ChatMessage.user("x".repeat(50_000))), false))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("longer than 300 ms");
  }

  @Test
  void extraVariablesCannotOverrideMessages() {
    ChatTemplate t = ChatTemplate.of("{{ messages | length }}", null, null, "inline");
    assertThatThrownBy(() -> t.render(List.of(), false, Map.of("messages", List.of())))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("messages");
  }
}
