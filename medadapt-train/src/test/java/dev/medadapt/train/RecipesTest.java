package dev.medadapt.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.lora.LoraModel;
import dev.medadapt.train.peft.PeftAdapterIO;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipesTest {
  static final Path MODEL = TestResources.tinyModel("qwen2-tiny-bytes-chat");
  @TempDir Path tmp;

  private static TrainingConfig quick(int steps) {
    return TrainingConfig.builder().seed(4242).learningRate(1e-2).microBatchSize(2).gradientAccumulation(1)
        .maxSteps(steps).evalEvery(2).build();
  }

  @Test
  void referenceRecipesAreTheStudysSettings() {
    LoraConfig sft = SftTrainer.referenceLora();
    assertThat(sft.rank()).isEqualTo(16);
    assertThat(sft.scaling()).isEqualTo(8.0); // rsLoRA: 32 / sqrt(16)
    assertThat(sft.targetModules()).containsExactlyInAnyOrderElementsOf(LoraConfig.ALL_PROJECTIONS);
    TrainingConfig t = SftTrainer.referenceTraining();
    assertThat(t.describe()).containsEntry("learning_rate", "1.0E-4").containsEntry("warmup_steps", "300")
        .containsEntry("gradient_accumulation_steps", "4").containsEntry("seed", "4242");
    LoraConfig cpt = CptTrainer.referenceLora();
    assertThat(cpt.targetModules()).contains("embed_tokens", "lm_head");
    assertThat(CptTrainer.referenceTraining().effectiveEmbeddingLearningRate()).isEqualTo(5e-6);
  }

  @Test
  void sftOnMedicalO1FileWritesAReloadableAdapter() throws Exception {
    TrainingResult r = SftTrainer.builder().model(MODEL)
        .data(TestResources.testdata("train/medical_o1_sample.json"), TestResources.testdata("train/medical_o1_sample.jsonl"))
        .maxLength(1024).evalFraction(0.25)
        .lora(LoraConfig.builder().rank(4).alpha(8).targetModules("q_proj", "v_proj").build())
        .training(quick(3)).outputDir(tmp).build().run();
    assertThat(r.steps()).isEqualTo(3);
    assertThat(r.metrics()).allMatch(m -> Double.isFinite(m.loss()));
    assertThat(r.finalEvalLoss()).isFinite();
    assertThat(PeftAdapterIO.read(r.adapterDir()).modules()).hasSize(4); // 2 layers x (q, v)
    assertThat(Files.readString(tmp.resolve("provenance.json"))).contains("data_sha256_0", "\"recipe\" : \"sft\"");
  }

  @Test
  void cptOnMedRagCorpusWithNf4BaseAndEmbeddingAdapters() {
    TrainingResult r = CptTrainer.builder().model(MODEL)
        .corpus(TestResources.testdata("train/medrag_sample.jsonl"))
        .blockLength(16).quantization(Quantization.NF4)
        .lora(LoraConfig.builder().rank(2).alpha(4).targetModules("q_proj", "embed_tokens", "lm_head").build())
        .training(TrainingConfig.builder().seed(1).learningRate(1e-2).embeddingLearningRate(5e-3).microBatchSize(2)
            .maxSteps(2).build())
        .outputDir(tmp).build().run();
    assertThat(r.steps()).isEqualTo(2);
    assertThat(r.metrics()).allMatch(m -> Double.isFinite(m.loss()) && m.loss() > 3);
    assertThat(PeftAdapterIO.read(r.adapterDir()).modules()).containsKeys("model.embed_tokens", "lm_head");
  }

  @Test
  void nf4BaseStaysCloseToTheFloatBase() {
    long[][] ids = {{72, 101, 108, 108, 111, 32, 119, 111}};
    float[] f32;
    float[] nf4;
    try (Qwen2Model m = Qwen2Model.load(MODEL, Device.cpu(), Precision.FP32);
        var s = m.manager().newSubManager()) {
      f32 = m.forward(s.create(ids)).toFloatArray();
    }
    try (Qwen2Model m = dev.medadapt.train.internal.BaseModels.load(MODEL, ai.djl.Device.cpu(), Precision.FP32, Quantization.NF4);
        var s = m.manager().newSubManager()) {
      LoraModel.attach(m, LoraConfig.builder().targetModules("q_proj").build(), 1); // B = 0: no change
      nf4 = m.forward(s.create(ids)).toFloatArray();
    }
    double maxDiff = 0;
    double maxRef = 0;
    for (int i = 0; i < f32.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(f32[i] - nf4[i]));
      maxRef = Math.max(maxRef, Math.abs(f32[i]));
    }
    // 4-bit weights change the logits, but not beyond a few percent of their range on this model
    assertThat(maxDiff).isGreaterThan(0);
    assertThat(maxDiff / maxRef).isLessThan(0.2);
  }

  @Test
  void buildersValidate() {
    assertThatThrownBy(() -> SftTrainer.builder().model(MODEL).outputDir(tmp).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("data must name at least one file");
    assertThatThrownBy(() -> SftTrainer.builder().model(MODEL).data(MODEL).outputDir(tmp).evalFraction(0.9).build())
        .hasMessage("evalFraction must be in [0.0, 0.5], was 0.9");
    assertThatThrownBy(() -> CptTrainer.builder().corpus(MODEL).outputDir(tmp).build()).hasMessage("model must be set");
    assertThatThrownBy(() -> SftTrainer.builder().model(MODEL).data(MODEL).outputDir(tmp)
        .quantization(Quantization.INT8).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("INT8 is for inference");
    assertThatThrownBy(() -> CptTrainer.builder().model(MODEL).corpus(MODEL).outputDir(tmp)
        .precision(dev.medadapt.core.model.Precision.BF16).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("BF16 is for inference");
  }
}
