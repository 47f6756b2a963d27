package dev.medadapt.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.testing.TestResources;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On the tiny byte-level tokenizer (byte b is token b; 256..258 are special). */
class HfTokenizerTest {
  private static HfTokenizer tok;

  @BeforeAll
  static void load() {
    tok = HfTokenizer.load(TestResources.tinyModel("qwen2-tiny-bytes-chat"));
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  private static int[] utf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    int[] ids = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      ids[i] = b[i] & 0xff;
    }
    return ids;
  }

  @Test
  void encodesBytesAndSpecialTokens() {
    assertThat(tok.encode("Hi there")).containsExactly(utf8("Hi there"));
    assertThat(tok.encode("café 🩺")).containsExactly(utf8("café 🩺"));
    assertThat(tok.encode("<|im_start|>user\nHi<|im_end|>"))
        .containsExactly(257, 'u', 's', 'e', 'r', '\n', 'H', 'i', 258);
    // Qwen-style post-processor adds nothing even when asked.
    assertThat(tok.encode("Hi", true)).containsExactly('H', 'i');
    assertThat(tok.encodeBatch(List.of("a", "<|endoftext|>"))).containsExactly(new int[] {'a'}, new int[] {256});
    assertThat(tok.countTokens("ü")).isEqualTo(2);
  }

  @Test
  void badMergesEntryIsNamed(@TempDir Path dir) throws Exception {
    String json = java.nio.file.Files.readString(TestResources.tinyModel("qwen2-tiny-bytes-chat").resolve("tokenizer.json"));
    String[][] cases = {
        {"[\"abc\"]", "model.merges[0] = \"abc\": expected \"left right\" or [\"left\", \"right\"]"},
        {"[42]", "model.merges[0] = 42: expected"},
        {"[[\"a\"]]", "model.merges[0] = [\"a\"]: expected"},
        {"\"h e\"", "model.merges must be a list, is string"},
        {"[\"zz qq\"]", "model.merges[0] = \"zz qq\": token \"zz\" is not in model.vocab"},
    };
    for (String[] c : cases) {
      Path f = dir.resolve("tokenizer-" + Integer.toHexString(c[0].hashCode()) + ".json");
      java.nio.file.Files.writeString(f, json.replace("\"merges\": []", "\"merges\": " + c[0]));
      assertThatThrownBy(() -> HfTokenizer.load(f))
          .as(c[0])
          .isInstanceOf(ModelFormatException.class)
          .hasMessageContaining("cannot load tokenizer " + f.toAbsolutePath())
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void longTextsAreNeitherTruncatedNorPadded() {
    String text = "0123456789".repeat(300); // DJL's default would truncate at 512 tokens
    assertThat(tok.encode(text)).hasSize(3000);
    assertThat(tok.encodeBatch(List.of(text, "ab")).get(1)).containsExactly('a', 'b');
  }

  @Test
  void decodesWithAndWithoutSpecialTokens() {
    int[] ids = {257, 'o', 'k', 258};
    assertThat(tok.decode(ids, false)).isEqualTo("<|im_start|>ok<|im_end|>");
    assertThat(tok.decode(ids, true)).isEqualTo("ok");
    assertThat(tok.decode(utf8("naïve 中文"), false)).isEqualTo("naïve 中文");
    // Ids past the tokenizer's vocabulary (the model pads to 264 rows) decode to nothing, as in HF.
    assertThat(tok.decode(new int[] {65, 259, 263, 66}, false)).isEqualTo("AB");
    assertThatThrownBy(() -> tok.decode(new int[] {65, -1}, false))
        .isInstanceOf(dev.medadapt.core.ConfigurationException.class)
        .hasMessageContaining("-1");
  }

  @Test
  void vocabularyAndAddedTokens() {
    assertThat(tok.vocabSize()).isEqualTo(259);
    assertThat(tok.tokenToId("<|im_end|>")).hasValue(258);
    assertThat(tok.tokenToId("Ġ")).hasValue(32); // GPT-2 byte alphabet: space is "Ġ"
    assertThat(tok.tokenToId("no such token")).isEmpty();
    assertThat(tok.idToToken(104)).hasValue("h");
    assertThat(tok.idToToken(259)).isEmpty();
    assertThat(tok.addedTokens())
        .extracting(AddedToken::content)
        .containsExactly("<|endoftext|>", "<|im_start|>", "<|im_end|>");
    assertThat(tok.specialTokenIds()).containsExactly(256, 257, 258);
    assertThat(tok.isSpecial(258)).isTrue();
    assertThat(tok.isSpecial(65)).isFalse();
  }

  @Test
  void incrementalDetokenizerNeverEmitsHalfACharacter() {
    String text = "a🧬é中<|im_end|>";
    int[] ids = tok.encode(text);
    IncrementalDetokenizer detok = new IncrementalDetokenizer(tok, false);
    StringBuilder all = new StringBuilder();
    List<String> pieces = new java.util.ArrayList<>();
    for (int id : ids) {
      String piece = detok.push(id);
      assertThat(piece).doesNotContain("\uFFFD");
      pieces.add(piece);
      all.append(piece);
    }
    all.append(detok.flush());
    assertThat(all.toString()).isEqualTo(text);
    // 'a' at once, the 4-byte emoji only with its 4th byte, 'é' with its 2nd, 中 with its 3rd.
    assertThat(pieces).containsExactly("a", "", "", "", "🧬", "", "é", "", "", "中", "<|im_end|>");
    assertThat(detok.ids()).containsExactly(ids);
  }

  @Test
  void incrementalDetokenizerSkipsSpecialsAndFlushesTruncatedCharacter() {
    IncrementalDetokenizer detok = new IncrementalDetokenizer(tok, true);
    assertThat(detok.push(257)).isEmpty();
    assertThat(detok.push('o')).isEqualTo("o");
    assertThat(detok.push(0xF0)).isEmpty(); // first byte of a 4-byte character, generation ends here
    assertThat(detok.flush()).isEqualTo("\uFFFD"); // as Hugging Face decodes an incomplete sequence
    assertThat(detok.flush()).isEmpty();
  }

  @Test
  void missingTokenizerJsonNamesThePath(@TempDir Path dir) {
    assertThatThrownBy(() -> HfTokenizer.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(dir.resolve("tokenizer.json").toString());
    assertThatThrownBy(() -> HfTokenizer.load(dir.resolve("other.json")))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(dir.resolve("other.json").toString());
  }

  @Test
  void malformedTokenizerJsonNamesThePath(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("tokenizer.json");
    java.nio.file.Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}");
    assertThatThrownBy(() -> HfTokenizer.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(f.toString());
  }
}
