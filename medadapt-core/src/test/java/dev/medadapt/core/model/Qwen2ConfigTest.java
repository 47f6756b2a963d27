package dev.medadapt.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Qwen2ConfigTest {

  @Test
  void readsTinyF32Config() {
    Qwen2Config c = Qwen2Config.load(TestResources.tinyModel("qwen2-tiny-f32"));
    assertThat(c.hiddenSize()).isEqualTo(64);
    assertThat(c.intermediateSize()).isEqualTo(160);
    assertThat(c.numHiddenLayers()).isEqualTo(2);
    assertThat(c.numAttentionHeads()).isEqualTo(4);
    assertThat(c.numKeyValueHeads()).isEqualTo(2);
    assertThat(c.headDim()).isEqualTo(16);
    assertThat(c.groupSize()).isEqualTo(2);
    assertThat(c.ropeTheta()).isEqualTo(10000.0);
    assertThat(c.rmsNormEps()).isEqualTo(1e-6);
    assertThat(c.vocabSize()).isEqualTo(256);
    assertThat(c.tieWordEmbeddings()).isFalse();
    assertThat(c.torchDtype()).isEqualTo("float32");
    assertThat(c.bosTokenId()).isEqualTo(1);
    assertThat(c.eosTokenIds()).containsExactly(2);
  }

  @Test
  void readsTiedBf16Config() {
    Qwen2Config c = Qwen2Config.load(TestResources.tinyModel("qwen2-tiny-bf16-tied"));
    assertThat(c.tieWordEmbeddings()).isTrue();
    assertThat(c.ropeTheta()).isEqualTo(1_000_000.0);
    assertThat(c.headDim()).isEqualTo(8);
    assertThat(c.torchDtype()).isEqualTo("bfloat16");
  }

  @Test
  void eosMayBeAList(@TempDir Path dir) throws Exception {
    String json = Files.readString(TestResources.tinyModel("qwen2-tiny-f32").resolve("config.json"))
        .replace("\"eos_token_id\": 2", "\"eos_token_id\": [2, 7]");
    Files.writeString(dir.resolve("config.json"), json);
    assertThat(Qwen2Config.load(dir).eosTokenIds()).isEqualTo(List.of(2, 7));
  }

  @Test
  void unknownModelTypeListsSupportedTypes(@TempDir Path dir) throws Exception {
    String json = Files.readString(TestResources.tinyModel("qwen2-tiny-f32").resolve("config.json"))
        .replace("\"model_type\": \"qwen2\"", "\"model_type\": \"llama\"");
    Files.writeString(dir.resolve("config.json"), json);
    assertThatThrownBy(() -> Qwen2Config.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("llama")
        .hasMessageContaining("qwen2")
        .hasMessageContaining(dir.resolve("config.json").toString());
  }

  @Test
  void wrongTypedOrMissingFieldsAreNamedOnce(@TempDir Path dir) throws Exception {
    String json = Files.readString(TestResources.tinyModel("qwen2-tiny-f32").resolve("config.json"));
    Path file = dir.resolve("config.json");
    Files.writeString(file, json.replaceFirst("\"tie_word_embeddings\"\\s*:\\s*(true|false)", "\"tie_word_embeddings\": \"yes\""));
    assertThat(Files.readString(file)).contains("\"tie_word_embeddings\": \"yes\"");
    assertThatThrownBy(() -> Qwen2Config.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage(file + ": field tie_word_embeddings must be true or false, was \"yes\"");
    Files.writeString(file, json.replaceFirst("\"vocab_size\"\\s*:\\s*\\d+,?", ""));
    assertThatThrownBy(() -> Qwen2Config.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage(file + ": required field vocab_size is missing");
  }

  @Test
  void missingConfigNamesThePath(@TempDir Path dir) {
    assertThatThrownBy(() -> Qwen2Config.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(dir.resolve("config.json").toString());
  }

  @Test
  void missingFieldIsNamed(@TempDir Path dir) throws Exception {
    String json = Files.readString(TestResources.tinyModel("qwen2-tiny-f32").resolve("config.json"))
        .replace("\"hidden_size\": 64,", "");
    Files.writeString(dir.resolve("config.json"), json);
    assertThatThrownBy(() -> Qwen2Config.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("hidden_size");
  }

  @Test
  void malformedJsonNamesTheFile(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": ");
    assertThatThrownBy(() -> Qwen2Config.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("config.json");
  }
}
