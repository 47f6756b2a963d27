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
import org.junit.jupiter.api.Test;

/**
 * Fresh-clone check of the real Qwen2.5 BPE pipeline (NFC, split regex, byte-level, merges, added
 * tokens) on a committed excerpt of its tokenizer.json that is exact for the reference texts (see
 * testdata/tokenizers/qwen2_5/PROVENANCE.md); the full 7 MB file is checked by {@link HfTokenizerIT}.
 */
class QwenTokenizerExcerptTest {

  @Test
  void reproducesReferenceEncodingsDecodingsAndChatIds() throws Exception {
    Path dir = TestResources.testdata("tokenizers/qwen2_5");
    JsonNode ref = new ObjectMapper().readTree(dir.resolve("reference_encodings.json").toFile());
    try (HfTokenizer tok = HfTokenizer.load(dir.resolve("tokenizer_excerpt.json"))) {
      int n = 0;
      for (JsonNode c : ref.get("encodings")) {
        int[] ids = ints(c.get("ids"));
        assertThat(tok.encode(c.get("text").asText())).as(c.get("text").asText()).containsExactly(ids);
        assertThat(tok.decode(ids, false)).isEqualTo(c.get("decoded").asText());
        n++;
      }
      assertThat(n).isEqualTo(12);
      ChatTemplate template = ChatTemplate.load(dir);
      JsonNode chat = ref.get("chat_template_examples").get(0);
      List<ChatMessage> messages = new ArrayList<>();
      for (JsonNode m : chat.get("messages")) {
        messages.add(new ChatMessage(ChatMessage.Role.valueOf(m.get("role").asText().toUpperCase()), m.get("content").asText()));
      }
      String prompt = template.render(messages, true);
      assertThat(tok.encode(prompt)).containsExactly(ints(chat.get("ids")));
      assertThat(tok.vocabSize()).isEqualTo(151_665);
      assertThat(tok.tokenToId("<|im_end|>")).hasValue(151_645);
      assertThat(tok.decode(ints(chat.get("ids")), true))
          .isEqualTo("system\nYou are a helpful medical expert.\nuser\nWhat is the first-line drug for type 2 diabetes?\nassistant\n");
    }
  }

  private static int[] ints(JsonNode arr) {
    int[] out = new int[arr.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = arr.get(i).asInt();
    }
    return out;
  }
}
