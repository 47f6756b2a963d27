package dev.medadapt.train.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.safetensors.DType;
import dev.medadapt.core.safetensors.SafetensorsReader;
import dev.medadapt.core.safetensors.SafetensorsWriter;
import dev.medadapt.train.lora.LoraAdapter;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.lora.LoraInitializer;
import dev.medadapt.train.lora.LoraPair;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeftAdapterIOTest {
  @TempDir Path tmp;

  private static LoraAdapter sample() {
    LoraInitializer init = new LoraInitializer(3);
    LoraPair q = init.linear("model.layers.0.self_attn.q_proj", 16, 16, 4);
    // give B non-zero values so the round trip checks both factors
    for (int i = 0; i < q.b().data().length; i++) {
      q.b().data()[i] = i * 0.25f - 3;
    }
    return new LoraAdapter(
        LoraConfig.builder().rank(4).alpha(8).targetModules("q_proj", "embed_tokens", "lm_head").build(),
        Map.of(
            "model.layers.0.self_attn.q_proj", q,
            "model.embed_tokens", init.embedding("model.embed_tokens", 32, 16, 4),
            "lm_head", init.linear("lm_head", 16, 32, 4)));
  }

  @Test
  void writesPeftNamesAndRoundTrips() {
    LoraAdapter a = sample();
    PeftAdapterIO.write(tmp, a, "base");
    try (SafetensorsReader r = SafetensorsReader.open(tmp.resolve("adapter_model.safetensors"))) {
      assertThat(r.names())
          .containsExactlyInAnyOrder(
              "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
              "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
              "base_model.model.model.embed_tokens.lora_embedding_A",
              "base_model.model.model.embed_tokens.lora_embedding_B",
              "base_model.model.lm_head.lora_A.weight",
              "base_model.model.lm_head.lora_B.weight");
      assertThat(r.metadata()).containsEntry("format", "pt");
      assertThat(r.info("base_model.model.model.embed_tokens.lora_embedding_A").orElseThrow().shape())
          .containsExactly(4, 32);
    }
    assertThat(PeftAdapterIO.read(tmp)).isEqualTo(a);
  }

  @Test
  void refusesIncompleteOrForeignTensors() {
    PeftAdapterIO.write(tmp, sample(), "base");
    new SafetensorsWriter()
        .add("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", DType.F32, new long[] {4, 2}, new float[8])
        .write(tmp.resolve("adapter_model.safetensors"));
    assertThatThrownBy(() -> PeftAdapterIO.read(tmp))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("adapter_model.safetensors")
        .hasMessageContaining("lacks its .lora_B.weight");
    new SafetensorsWriter()
        .add("base_model.model.model.layers.0.mlp.up_proj.lora_A.weight", DType.F32, new long[] {4, 2}, new float[8])
        .write(tmp.resolve("adapter_model.safetensors"));
    assertThatThrownBy(() -> PeftAdapterIO.read(tmp)).hasMessageContaining("does not cover");
    new SafetensorsWriter()
        .add("model.layers.0.self_attn.q_proj.weight", DType.F32, new long[] {4, 2}, new float[8])
        .write(tmp.resolve("adapter_model.safetensors"));
    assertThatThrownBy(() -> PeftAdapterIO.read(tmp)).hasMessageContaining("does not start with 'base_model.model.'");
  }

  @Test
  void readsBf16AdaptersWidened() {
    PeftAdapterIO.write(tmp, sample(), "base");
    new SafetensorsWriter()
        .add("base_model.model.lm_head.lora_A.weight", DType.BF16, new long[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 0.5f})
        .add("base_model.model.lm_head.lora_B.weight", DType.F16, new long[] {3, 4}, new float[12])
        .write(tmp.resolve("adapter_model.safetensors"));
    LoraAdapter a = PeftAdapterIO.read(tmp);
    assertThat(a.modules().get("lm_head").a().data()).containsExactly(1, 2, 3, 4, 5, 6, 7, 0.5f);
  }
}
