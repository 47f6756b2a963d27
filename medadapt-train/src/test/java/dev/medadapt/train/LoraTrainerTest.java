package dev.medadapt.train;

import dev.medadapt.core.testing.ByteTokenizer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.train.data.LossMode;
import dev.medadapt.train.data.SftEncoder;
import dev.medadapt.train.data.SftExample;
import dev.medadapt.train.data.TokenizedDataset;
import dev.medadapt.train.lora.LoraAdapter;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.lora.LoraModel;
import dev.medadapt.train.metrics.StepMetrics;
import dev.medadapt.train.peft.PeftAdapterIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraTrainerTest {
  static final Path MODEL = TestResources.tinyModel("qwen2-tiny-bytes-chat");
  @TempDir Path tmp;

  static TokenizedDataset data() {
    List<SftExample> ex = new ArrayList<>();
    String[][] qa = {{"Scurvy?", "Vitamin C."}, {"Rickets?", "Vitamin D."}, {"Goiter?", "Iodine."}, {"Anemia?", "Iron."}};
    for (int rep = 0; rep < 2; rep++) {
      for (String[] p : qa) {
        ex.add(new SftExample("Q: " + p[0] + "\nA: ", p[1], "mem:" + ex.size()));
      }
    }
    return SftEncoder.builder().tokenizer(new ByteTokenizer()).eosTokenId(256).maxLength(64)
        .lossMode(LossMode.COMPLETION_ONLY).build().encode(ex);
  }

  static TrainingConfig.Builder config() {
    return TrainingConfig.builder().seed(4242).learningRate(3e-2).schedule(TrainingConfig.Schedule.CONSTANT)
        .microBatchSize(2).gradientAccumulation(2).maxSteps(20).weightDecay(0.01);
  }

  static LoraConfig lora() {
    return LoraConfig.builder().rank(8).alpha(16).dropout(0.05).targetModules(LoraConfig.ALL_PROJECTIONS).build();
  }

  @Test
  void lossFallsOnASmallRepeatedDataset() throws Exception {
    TokenizedDataset d = data();
    try (Qwen2Model m = Qwen2Model.load(MODEL, Device.cpu(), Precision.FP32)) {
      LoraModel lm = LoraModel.attach(m, lora(), 4242);
      LoraTrainer t = new LoraTrainer(lm, config().maxSteps(30).evalEvery(10).build(), tmp, "sft test", null, null);
      double before = t.evaluate(d);
      TrainingResult r = t.train(d, d);
      List<StepMetrics> ms = r.metrics();
      assertThat(ms).hasSize(30);
      System.err.printf("loss before %.4f, first step %.4f, last step %.4f, eval %.4f%n", before, ms.get(0).loss(),
          r.finalLoss(), r.finalEvalLoss());
      // random tiny model: ~ln(264) = 5.58 nats per token at the start
      assertThat(before).isGreaterThan(4.5);
      // stated threshold: below 2.0 nats per token after 30 steps (from ~5.6). At this learning rate (3e-2) the end
      // point depends on the dropout masks: 1.1 to 1.8 over four mask streams measured.
      assertThat(r.finalEvalLoss()).isLessThan(2.0);
      assertThat(r.finalLoss()).isLessThan(2.0);
      // pinned where the run does not depend on the CPU: seed 4242 fixes data order, init and dropout masks, and
      // before the first update (LoRA B = 0) the losses are the base model's, equal across CPUs to float rounding.
      // After it they are not: AdamW's first step moves every factor by about ±lr whatever its gradient's size, so
      // the sign of a near-zero gradient (float summation order: AVX2 against AVX-512, PyTorch builds) changes the
      // trajectory. The final losses measured 1.6987/1.6125 (train/eval) on an AVX-512 CPU, 1.6471/1.4662 on AVX2.
      assertThat(before).isCloseTo(5.6015, within(1e-3));
      assertThat(ms.get(0).loss()).isCloseTo(5.6790, within(1e-3));
      assertThat(ms.stream().filter(s -> s.evalLoss() != null).count()).isEqualTo(3);
      assertThat(r.adapterDir().resolve("adapter_config.json")).exists();
      assertThat(tmp.resolve("provenance.json")).exists();
      assertThat(Files.readString(tmp.resolve("provenance.json"))).contains("train_fingerprint", "\"seed\" : \"4242\"");
      assertThat(tmp.resolve("loss.svg")).exists();
      assertThat(Files.readAllLines(tmp.resolve("metrics.csv"))).hasSize(31);

      // the written adapter reproduces the trained model's eval loss when attached to a fresh base
      LoraAdapter saved = PeftAdapterIO.read(r.adapterDir());
      try (Qwen2Model fresh = Qwen2Model.load(MODEL, Device.cpu(), Precision.FP32)) {
        LoraModel reloaded = LoraModel.attach(fresh, saved);
        double again = new LoraTrainer(reloaded, config().build(), tmp.resolve("x"), "eval", null, null).evaluate(d);
        assertThat(again).isEqualTo(t.evaluate(d));
      }
    }
  }

  @Test
  void nonFiniteLossStopsWithClearErrorAndKeepsLastGoodCheckpoint() {
    TokenizedDataset d = data();
    try (Qwen2Model m = Qwen2Model.load(MODEL, Device.cpu(), Precision.FP32)) {
      LoraModel lm = LoraModel.attach(m, lora(), 1);
      LoraTrainer t = new LoraTrainer(lm, config().maxSteps(6).checkpointEvery(2).build(), tmp, "sft", null, null);
      t.poisonStep = 3; // the 4th update's forward sees NaN weights
      assertThatThrownBy(() -> t.train(d, null))
          .isInstanceOf(TrainingDivergedException.class)
          .hasMessageContaining("loss is NaN at step 4")
          .hasMessageContaining("checkpoint-00000002");
      assertThat(tmp.resolve("checkpoints/checkpoint-00000002/adapter_model.safetensors")).exists();
      assertThat(tmp.resolve("checkpoints/checkpoint-00000004")).doesNotExist();
    }
  }

  @Test
  void resumeRefusesDifferentSettings() {
    TokenizedDataset d = data();
    try (Qwen2Model m = Qwen2Model.load(MODEL, Device.cpu(), Precision.FP32)) {
      LoraModel lm = LoraModel.attach(m, lora(), 1);
      new LoraTrainer(lm, config().maxSteps(2).build(), tmp, "sft", null, null).train(d, null);
      assertThatThrownBy(() -> new LoraTrainer(lm, config().maxSteps(2).learningRate(1e-3).build(), tmp, "sft", null,
              null).train(d, null))
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("learning_rate was 0.03, now 0.001");
    }
  }

  @Test
  void resumedRunContinuesBitIdentically() {
    TokenizedDataset d = data();
    List<StepMetrics> full;
    try (Qwen2Model m = Qwen2Model.load(MODEL, Device.cpu(), Precision.FP32)) {
      full = new LoraTrainer(LoraModel.attach(m, lora(), 7), config().maxSteps(6).build(), tmp.resolve("a"), "sft",
          null, null).train(d, null).metrics();
    }
    // first run: stops after a checkpoint at step 3 (a run with 6 total steps cut short is simulated by keeping only
    // checkpoint 3 of a checkpoint-every-3 run and deleting the final one)
    Path b = tmp.resolve("b");
    try (Qwen2Model m = Qwen2Model.load(MODEL, Device.cpu(), Precision.FP32)) {
      new LoraTrainer(LoraModel.attach(m, lora(), 7), config().maxSteps(6).checkpointEvery(3).keepCheckpoints(5)
          .build(), b, "sft", null, null).train(d, null);
    }
    deleteTree(b.resolve("checkpoints/checkpoint-00000006"));
    TrainingResult resumed;
    try (Qwen2Model m = Qwen2Model.load(MODEL, Device.cpu(), Precision.FP32)) {
      resumed = new LoraTrainer(LoraModel.attach(m, lora(), 7), config().maxSteps(6).checkpointEvery(3)
          .keepCheckpoints(5).build(), b, "sft", null, null).train(d, null);
    }
    assertThat(resumed.resumedFromStep()).isEqualTo(3);
    assertThat(resumed.metrics().stream().map(StepMetrics::loss).toList())
        .containsExactlyElementsOf(full.stream().map(StepMetrics::loss).toList());
    assertThat(resumed.metrics().stream().map(StepMetrics::gradNorm).toList())
        .containsExactlyElementsOf(full.stream().map(StepMetrics::gradNorm).toList());
  }

  static void deleteTree(Path p) {
    try (var s = Files.walk(p)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void runFolderRecordsPeakRssPerPhaseAndTheRecipeKnobs() throws Exception {
    TokenizedDataset d = data();
    try (Qwen2Model m = Qwen2Model.load(MODEL, Device.cpu(), Precision.FP32)) {
      LoraModel lm = LoraModel.attach(m, lora(), 4242);
      TrainingConfig cfg = config().maxSteps(2).evalEvery(1).saveSteps(1).saveTotalLimit(1).loggingSteps(2)
          .lrSchedulerType(TrainingConfig.Schedule.CONSTANT_WITH_WARMUP).warmupSteps(1).maxGradNorm(0.5)
          .gradientCheckpointing(false).build();
      TrainingResult r = new LoraTrainer(lm, cfg, tmp, "sft test", null, null).train(d, d);
      com.fasterxml.jackson.databind.JsonNode mem =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("memory.json").toFile());
      assertThat(mem.get("format").asText()).isEqualTo("medadapt.memory.v1");
      long rssNow = dev.medadapt.core.runtime.ProcessMemory.rssBytes();
      for (String phase : List.of("load", "train_step", "eval", "checkpoint", "save_adapter")) {
        // a JVM with libtorch loaded is resident in at least 50 MB; no phase can exceed the machine's memory
        assertThat(mem.get("peak_rss_bytes").get(phase).asLong()).as(phase).isGreaterThan(50L << 20)
            .isLessThan(1L << 40);
      }
      assertThat(rssNow).isGreaterThan(50L << 20);
      for (StepMetrics s : r.metrics()) {
        assertThat(s.peakRssBytes()).isGreaterThan(50L << 20)
            .isLessThanOrEqualTo(mem.get("peak_rss_bytes").get("train_step").asLong());
      }
      assertThat(java.nio.file.Files.readAllLines(tmp.resolve("metrics.csv")).get(1)).endsWith(
          "," + r.metrics().get(0).peakRssBytes());
      com.fasterxml.jackson.databind.JsonNode run = new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(tmp.resolve("provenance.json").toFile()).get("run");
      assertThat(run.get("lr_scheduler_type").asText()).isEqualTo("constant_with_warmup");
      assertThat(run.get("warmup_steps").asText()).isEqualTo("1");
      assertThat(run.get("max_grad_norm").asText()).isEqualTo("0.5");
      assertThat(run.get("save_steps").asText()).isEqualTo("1");
      assertThat(run.get("save_total_limit").asText()).isEqualTo("1");
      assertThat(run.get("logging_steps").asText()).isEqualTo("2");
      assertThat(run.get("gradient_checkpointing").asText()).isEqualTo("false");
      assertThat(run.get("weight_decay").asText()).isEqualTo("0.01");
      assertThat(run.get("embedding_learning_rate").asText()).isEqualTo("0.03");
      // warmup 1: the first update has factor 0, the second the peak rate
      assertThat(r.metrics().get(0).learningRate()).isZero();
      assertThat(r.metrics().get(1).learningRate()).isEqualTo(3e-2);
    }
  }

  @Test
  void learningRateZeroAndConstantWithWarmupAreRefusedWithTheParameterNamed() {
    assertThatThrownBy(() -> config().learningRate(0).build())
        .hasMessage("learningRate must be in (0, 10], was 0.0");
    assertThatThrownBy(() -> config().embeddingLearningRate(0).build())
        .hasMessage("embeddingLearningRate must be in (0, 10], was 0.0");
    assertThatThrownBy(() -> config().lrSchedulerType(TrainingConfig.Schedule.CONSTANT).warmupSteps(10).build())
        .hasMessageContaining("constant_with_warmup");
    assertThatThrownBy(() -> TrainingConfig.Schedule.fromHfName("cosine_with_restarts"))
        .hasMessageContaining("lrSchedulerType must be one of");
    TrainingConfig c = config().build();
    assertThat(c.toBuilder().build()).isEqualTo(c);
    assertThat(c.toBuilder().loggingSteps(5).build().loggingSteps()).isEqualTo(5);
  }
}
