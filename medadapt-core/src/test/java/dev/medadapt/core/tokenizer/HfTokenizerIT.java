package dev.medadapt.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.chat.ChatTemplate;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.testing.TestResources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real Qwen2.5 tokenizer.json (7 MB, in the shared data folder; -Dmedadapt.data=PATH) against
 * reference_encodings.json (see tokenizer_qwen2_5/PROVENANCE.md).
 */
class HfTokenizerIT {
  private static final String DIR = "tokenizer_qwen2_5";
  private static HfTokenizer tok;
  private static JsonNode ref;

  @BeforeAll
  static void load() throws Exception {
    Path tokenizerJson = TestResources.sharedData(DIR + "/tokenizer.json");
    tok = HfTokenizer.load(tokenizerJson);
    ref = new ObjectMapper().readTree(TestResources.sharedData(DIR + "/reference_encodings.json").toFile());
  }

  @AfterAll
  static void close() {
    if (tok != null) {
      tok.close();
    }
  }

  private static List<ChatMessage> messages(JsonNode arr) {
    List<ChatMessage> out = new ArrayList<>();
    for (JsonNode m : arr) {
      out.add(new ChatMessage(ChatMessage.Role.valueOf(m.get("role").asText().toUpperCase()), m.get("content").asText()));
    }
    return out;
  }

  private static int[] ints(JsonNode arr) {
    int[] out = new int[arr.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = arr.get(i).asInt();
    }
    return out;
  }

  @Test
  void reproducesEveryReferenceEncodingAndDecoding() {
    int n = 0;
    for (JsonNode c : ref.get("encodings")) {
      String text = c.get("text").asText();
      int[] expected = ints(c.get("ids"));
      assertThat(tok.encode(text)).as("encode %s", text).containsExactly(expected);
      assertThat(tok.decode(expected, false)).as("decode %s", text).isEqualTo(c.get("decoded").asText());
      n++;
    }
    assertThat(n).isEqualTo(12);
    List<String> texts = new ArrayList<>();
    ref.get("encodings").forEach(c -> texts.add(c.get("text").asText()));
    List<int[]> batch = tok.encodeBatch(texts);
    for (int i = 0; i < texts.size(); i++) {
      assertThat(batch.get(i)).containsExactly(ints(ref.get("encodings").get(i).get("ids")));
    }
  }

  @Test
  void chatTemplateRenderingTokenizesToReferenceIds() {
    ChatTemplate template = ChatTemplate.load(TestResources.sharedData(DIR + "/tokenizer_config.json"));
    int withIds = 0;
    for (JsonNode c : ref.get("chat_template_examples")) {
      String rendered = template.render(messages(c.get("messages")), c.get("add_generation_prompt").asBoolean());
      assertThat(rendered).isEqualTo(c.get("rendered").asText());
      if (c.has("ids")) {
        assertThat(tok.encode(rendered)).containsExactly(ints(c.get("ids")));
        withIds++;
      }
    }
    assertThat(withIds).isEqualTo(1);
  }

  @Test
  void vocabularyFactsFromProvenance() {
    assertThat(tok.vocabSize()).isEqualTo(151_665);
    assertThat(tok.addedTokens()).hasSize(22);
    assertThat(tok.tokenToId("<|endoftext|>")).hasValue(151_643);
    assertThat(tok.tokenToId("<|im_start|>")).hasValue(151_644);
    assertThat(tok.tokenToId("<|im_end|>")).hasValue(151_645);
    assertThat(tok.tokenToId("<|file_sep|>")).hasValue(151_664);
    assertThat(tok.idToToken(9707)).hasValue("Hello");
    assertThat(tok.decode(new int[] {151_644, 9707, 151_645}, true)).isEqualTo("Hello");
  }

  @Test
  void streamingDecodeOfEmojiSplitAcrossTokensEqualsFullDecode() {
    for (JsonNode c : ref.get("encodings")) {
      int[] ids = ints(c.get("ids"));
      IncrementalDetokenizer detok = new IncrementalDetokenizer(tok, false);
      StringBuilder sb = new StringBuilder();
      for (int id : ids) {
        String piece = detok.push(id);
        assertThat(piece).doesNotContain("\uFFFD");
        sb.append(piece);
      }
      sb.append(detok.flush());
      assertThat(sb.toString()).isEqualTo(c.get("decoded").asText());
    }
  }
}
