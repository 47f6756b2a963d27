package dev.medadapt.train.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.train.lora.LoraConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeftAdapterConfigTest {
  @TempDir Path tmp;

  private static final LoraConfig SFT =
      LoraConfig.builder().rank(16).alpha(32).dropout(0.05).rsLora(true).targetModules(LoraConfig.ALL_PROJECTIONS).build();

  @Test
  void writesWhatPeftWrites() {
    // Expected text: PEFT 0.13 LoraConfig.save_pretrained -> json.dumps(asdict-ish, indent=2, sort_keys=True)
    String expected =
        """
        {
          "alpha_pattern": {},
          "auto_mapping": null,
          "base_model_name_or_path": "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
          "bias": "none",
          "fan_in_fan_out": false,
          "inference_mode": true,
          "init_lora_weights": true,
          "layer_replication": null,
          "layers_pattern": null,
          "layers_to_transform": null,
          "loftq_config": {},
          "lora_alpha": 32,
          "lora_dropout": 0.05,
          "megatron_config": null,
          "megatron_core": "megatron.core",
          "modules_to_save": null,
          "peft_type": "LORA",
          "r": 16,
          "rank_pattern": {},
          "revision": null,
          "target_modules": [
            "down_proj",
            "gate_proj",
            "k_proj",
            "o_proj",
            "q_proj",
            "up_proj",
            "v_proj"
          ],
          "task_type": "CAUSAL_LM",
          "use_dora": false,
          "use_rslora": true
        }""";
    assertThat(PeftAdapterConfig.toJson(SFT, "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B")).isEqualTo(expected);
  }

  @Test
  void roundTrips() throws Exception {
    PeftAdapterConfig.write(tmp, SFT, "base");
    PeftAdapterConfig.Parsed p = PeftAdapterConfig.read(tmp);
    assertThat(p.lora()).isEqualTo(SFT);
    assertThat(p.baseModelNameOrPath()).isEqualTo("base");
  }

  @Test
  void readsAMinimalForeignConfigAndRefusesWhatItCannotHonour() throws Exception {
    Files.writeString(
        tmp.resolve("adapter_config.json"),
        "{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16.0, \"target_modules\": [\"lm_head\", \"embed_tokens\"],"
            + " \"task_type\": \"CAUSAL_LM\"}");
    LoraConfig c = PeftAdapterConfig.read(tmp).lora();
    assertThat(c.rank()).isEqualTo(8);
    assertThat(c.scaling()).isEqualTo(2.0);
    assertThat(c.rsLora()).isFalse();

    Files.writeString(tmp.resolve("adapter_config.json"),
        "{\"peft_type\": \"LORA\", \"r\": 8, \"target_modules\": [\"q_proj\"], \"use_dora\": true}");
    assertThatThrownBy(() -> PeftAdapterConfig.read(tmp))
        .isInstanceOf(UnsupportedFeatureException.class)
        .hasMessageContaining("adapter_config.json")
        .hasMessageContaining("use_dora");
    Files.writeString(tmp.resolve("adapter_config.json"),
        "{\"peft_type\": \"LORA\", \"r\": 8, \"target_modules\": \"all-linear\"}");
    assertThatThrownBy(() -> PeftAdapterConfig.read(tmp)).hasMessageContaining("target_modules");
    Files.writeString(tmp.resolve("adapter_config.json"),
        "{\"peft_type\": \"LORA\", \"r\": 0, \"target_modules\": [\"q_proj\"]}");
    assertThatThrownBy(() -> PeftAdapterConfig.read(tmp))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("loraRank must be in [1, 1024], was 0");
    Files.writeString(tmp.resolve("adapter_config.json"), "{\"peft_type\": \"IA3\"}");
    assertThatThrownBy(() -> PeftAdapterConfig.read(tmp)).hasMessageContaining("peft_type");
    assertThatThrownBy(() -> PeftAdapterConfig.read(tmp.resolve("nope")))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("nope");
  }

  @Test
  void tensorNamesArePefts() {
    assertThat(PeftAdapterConfig.tensorNames("model.layers.0.self_attn.q_proj", false))
        .isEqualTo(java.util.Map.entry(
            "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
            "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"));
    assertThat(PeftAdapterConfig.tensorNames("model.embed_tokens", true).getKey())
        .isEqualTo("base_model.model.model.embed_tokens.lora_embedding_A");
  }
}
