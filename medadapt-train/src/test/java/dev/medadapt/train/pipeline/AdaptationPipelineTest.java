package dev.medadapt.train.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.train.CptTrainer;
import dev.medadapt.train.SftTrainer;
import dev.medadapt.train.TrainingConfig;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.peft.PeftAdapterIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdaptationPipelineTest {
  static final Path MODEL = TestResources.tinyModel("qwen2-tiny-bytes-chat");
  @TempDir Path tmp;

  private static AdaptationPipeline pipeline(Path out) {
    return AdaptationPipeline.builder().model(MODEL).outputDir(out)
        .cpt(CptTrainer.builder().corpus(TestResources.testdata("train/medrag_sample.jsonl")).blockLength(16)
            .lora(LoraConfig.builder().rank(2).alpha(4).targetModules("q_proj", "v_proj", "embed_tokens").build())
            .training(TrainingConfig.builder().seed(1).learningRate(1e-2).embeddingLearningRate(5e-3)
                .microBatchSize(2).maxSteps(2).build()))
        .sft(SftTrainer.builder().data(TestResources.testdata("train/medical_o1_sample.jsonl")).maxLength(1024)
            .lora(LoraConfig.builder().rank(2).alpha(4).targetModules("q_proj", "v_proj").build())
            .training(TrainingConfig.builder().seed(2).learningRate(1e-2).microBatchSize(2).maxSteps(2).build()))
        .build();
  }

  @Test
  void cptThenMergeThenSftOnTheMergedModelAndResumes() throws Exception {
    Path out = tmp.resolve("msft");
    AdaptationPipeline.Result r = pipeline(out).run();

    Path merged = out.resolve("cpt-merged");
    assertThat(r.mergedCptModel()).isEqualTo(merged);
    assertThat(merged.resolve("config.json")).isRegularFile();
    assertThat(out.resolve("cpt-merged.partial")).doesNotExist();
    assertThat(r.cpt().steps()).isEqualTo(2);
    assertThat(r.cpt().adapterDir()).isEqualTo(out.resolve("cpt").resolve("adapter"));
    assertThat(r.sft().steps()).isEqualTo(2);
    assertThat(r.sft().adapterDir()).isEqualTo(out.resolve("sft").resolve("adapter"));
    assertThat(PeftAdapterIO.read(r.sft().adapterDir()).modules()).hasSize(4); // 2 layers x (q, v)

    // SFT trained on the merged CPT model, not on the base
    JsonNode sftAdapter = new ObjectMapper().readTree(r.sft().adapterDir().resolve("adapter_config.json").toFile());
    assertThat(Path.of(sftAdapter.get("base_model_name_or_path").asText()).toAbsolutePath().normalize())
        .isEqualTo(merged.toAbsolutePath().normalize());
    JsonNode cptAdapter = new ObjectMapper().readTree(r.cpt().adapterDir().resolve("adapter_config.json").toFile());
    assertThat(Path.of(cptAdapter.get("base_model_name_or_path").asText()).toAbsolutePath().normalize())
        .isEqualTo(MODEL.toAbsolutePath().normalize());
    JsonNode summary = new ObjectMapper().readTree(r.summary().toFile());
    assertThat(r.summary()).isEqualTo(out.resolve(AdaptationPipeline.SUMMARY_FILE));
    assertThat(summary.get("sft").get("model").asText()).isEqualTo(merged.toAbsolutePath().toString());
    assertThat(summary.get("cpt").get("model").asText()).isEqualTo(MODEL.toAbsolutePath().toString());
    assertThat(summary.get("cpt").get("steps").asLong()).isEqualTo(2);
    assertThat(summary.get("sft").get("resumed_from_step").asLong()).isZero();

    // a rerun resumes: no step is retrained and the merged model is not rewritten
    FileTime mergedTime = Files.getLastModifiedTime(merged.resolve("config.json"));
    AdaptationPipeline.Result again = pipeline(out).run();
    assertThat(again.cpt().resumedFromStep()).isEqualTo(2);
    assertThat(again.sft().resumedFromStep()).isEqualTo(2);
    assertThat(again.sft().metrics()).hasSize(2);
    assertThat(Files.getLastModifiedTime(merged.resolve("config.json"))).isEqualTo(mergedTime);
    assertThat(new ObjectMapper().readTree(again.summary().toFile()).get("sft").get("resumed_from_step").asLong())
        .isEqualTo(2);
  }

  @Test
  void buildValidates() {
    assertThatThrownBy(() -> AdaptationPipeline.builder().model(MODEL).outputDir(tmp)
        .cpt(CptTrainer.builder()).build()).hasMessage("sft must be set");
    assertThatThrownBy(() -> AdaptationPipeline.builder().outputDir(tmp).build()).hasMessage("model must be set");
  }
}
