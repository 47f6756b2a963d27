package dev.medadapt.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationConfigTest {
  @Test
  void eosAsList() {
    GenerationConfig g = GenerationConfig.load(TestResources.tinyModel("qwen2-tiny-bytes-chat"));
    assertThat(g.eosTokenIds()).containsExactly(258, 256);
    assertThat(g.bosTokenId()).hasValue(256);
    assertThat(g.padTokenId()).hasValue(256);
    assertThat(g.doSample()).isFalse();
    assertThat(g.temperature()).isEmpty();
  }

  @Test
  void eosAsIntWithSamplingDefaults() {
    GenerationConfig g = GenerationConfig.load(TestResources.testdata("tokenizers/deepseek_r1_distill_qwen"));
    assertThat(g.eosTokenIds()).isEqualTo(List.of(151643));
    assertThat(g.bosTokenId()).hasValue(151646);
    assertThat(g.doSample()).isTrue();
    assertThat(g.temperature()).hasValue(0.6);
    assertThat(g.topP()).hasValue(0.95);
    assertThat(g.topK()).isEmpty();
  }

  @Test
  void missingAndMalformed(@TempDir Path dir) throws IOException {
    assertThat(GenerationConfig.loadIfPresent(dir)).isEmpty();
    assertThatThrownBy(() -> GenerationConfig.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(dir.resolve("generation_config.json").toString());
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [1, \"x\"]}");
    assertThatThrownBy(() -> GenerationConfig.load(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("generation_config.json")
        .hasMessageContaining("eos_token_id");
  }
}
