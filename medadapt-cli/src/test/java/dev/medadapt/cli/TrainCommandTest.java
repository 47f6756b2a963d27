package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import dev.medadapt.train.CptTrainer;
import dev.medadapt.train.SftTrainer;
import dev.medadapt.train.TrainingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code medadapt train msft} in process, on the tiny byte-level chat model and the sample data in testdata/train. */
class TrainCommandTest {
  static final Path MODEL = TestResources.tinyModel("qwen2-tiny-bytes-chat");
  @TempDir Path tmp;

  @Test
  void msftTrainsCptMergesThenSftsTheMergedModelAndResumes() throws Exception {
    Path out = tmp.resolve("msft");
    String[] args = {"train", "msft", "--model", MODEL.toString(),
        "--corpus", TestResources.testdata("train/medrag_sample.jsonl").toString(),
        "--sft-data", TestResources.testdata("train/medical_o1_sample.jsonl").toString(),
        "--out", out.toString(), "--cpt-max-steps", "2", "--cpt-block-length", "16", "--cpt-learning-rate", "1e-2",
        "--max-steps", "2", "--max-length", "1024", "--learning-rate", "1e-2", "--lora-r", "2",
        "--per-device-train-batch-size", "2", "--gradient-accumulation-steps", "1"};
    CliResult first = CliResult.run(args);
    assertThat(first.code()).as(first.err()).isZero();
    Path adapter = out.resolve("sft").resolve("adapter");
    assertThat(first.out().trim()).isEqualTo(adapter.toAbsolutePath().toString());
    assertThat(out.resolve("cpt").resolve("adapter").resolve("adapter_config.json")).isRegularFile();
    Path merged = out.resolve("cpt-merged");
    assertThat(merged.resolve("config.json")).isRegularFile();
    JsonNode sftAdapter = new ObjectMapper().readTree(adapter.resolve("adapter_config.json").toFile());
    assertThat(Path.of(sftAdapter.get("base_model_name_or_path").asText()).toAbsolutePath().normalize())
        .isEqualTo(merged.toAbsolutePath().normalize());
    assertThat(sftAdapter.get("r").asInt()).isEqualTo(2);
    JsonNode summary = new ObjectMapper().readTree(out.resolve("pipeline.json").toFile());
    assertThat(summary.get("cpt").get("steps").asLong()).isEqualTo(2);
    assertThat(summary.get("sft").get("steps").asLong()).isEqualTo(2);

    FileTime mergedTime = Files.getLastModifiedTime(merged.resolve("config.json"));
    CliResult again = CliResult.run(args);
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(Files.getLastModifiedTime(merged.resolve("config.json"))).isEqualTo(mergedTime);
    summary = new ObjectMapper().readTree(out.resolve("pipeline.json").toFile());
    assertThat(summary.get("cpt").get("resumed_from_step").asLong()).isEqualTo(2);
    assertThat(summary.get("sft").get("resumed_from_step").asLong()).isEqualTo(2);
  }

  @Test
  void msftWithoutCorpusIsAClearError() {
    CliResult r = CliResult.run("train", "msft", "--model", MODEL.toString(),
        "--sft-data", TestResources.testdata("train/medical_o1_sample.jsonl").toString(), "--out", tmp.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("msft needs --corpus");
  }

  @Test
  void corpusOutsideMsftIsAClearError() {
    CliResult r = CliResult.run("train", "sft", "--model", MODEL.toString(), "--corpus", "x.jsonl",
        "--sft-data", TestResources.testdata("train/medical_o1_sample.jsonl").toString(), "--out", tmp.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--corpus is for cpt and msft");
  }

  @Test
  void cptReadsCorpusAndRefusesData() {
    Path corpus = TestResources.testdata("train/medrag_sample.jsonl");
    CliResult wrong = CliResult.run("train", "cpt", "--model", MODEL.toString(), "--sft-data", corpus.toString(),
        "--out", tmp.resolve("cpt").toString());
    assertThat(wrong.code()).isEqualTo(1);
    assertThat(wrong.err()).startsWith("error: cpt reads its MedRAG corpus from --corpus");

    CliResult r = CliResult.run("train", "cpt", "--model", MODEL.toString(), "--corpus", corpus + "," + corpus,
        "--out", tmp.resolve("cpt").toString(), "--max-steps", "1", "--max-length", "16", "--lora-r", "2");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Path.of(r.out().trim()).resolve("adapter_config.json")).isRegularFile();
  }

  static final List<String> RECIPE_OPTIONS = List.of("--warmup-steps", "--warmup-ratio", "--lr-scheduler-type",
      "--weight-decay", "--max-grad-norm", "--save-steps", "--save-total-limit", "--logging-steps",
      "--embedding-learning-rate", "--gradient-checkpointing", "--device");

  @Test
  void helpListsEveryRecipeOptionWithTheRecipesDefaults() {
    CliResult r = CliResult.run("train", "sft", "--help");
    assertThat(r.code()).isZero();
    String help = r.out().replaceAll("\\s+", " ");
    for (String option : RECIPE_OPTIONS) {
      assertThat(help).as(option).contains(option + "=");
    }
    // The defaults the help states are the recipes' own values.
    TrainingConfig sft = SftTrainer.referenceTraining();
    TrainingConfig cpt = CptTrainer.referenceTraining();
    assertThat(help).contains("(default: sft 300;").contains("(default: cpt 0.05;")
        .contains("(default: sft cosine, cpt linear)").contains("(default: sft 0.01, cpt 0)")
        .contains("disables clipping (default 1.0)").contains("0 only at the end (default 100)")
        .contains("are deleted (default 2)").contains("every step (default 1)").contains("(default 5e-6)")
        .contains("compute (default true)").contains("cpu (default)");
    for (TrainingConfig c : List.of(sft, cpt)) {
      assertThat(c.maxGradNorm()).isEqualTo(1.0);
      assertThat(c.checkpointEvery()).isEqualTo(100);
      assertThat(c.keepCheckpoints()).isEqualTo(2);
      assertThat(c.loggingSteps()).isEqualTo(1);
      assertThat(c.gradientCheckpointing()).isTrue();
    }
    assertThat(sft.warmup()).isEqualTo(dev.medadapt.train.optim.Warmup.steps(300));
    assertThat(cpt.warmup()).isEqualTo(dev.medadapt.train.optim.Warmup.ratio(0.05));
    assertThat(sft.schedule()).isEqualTo(TrainingConfig.Schedule.COSINE);
    assertThat(cpt.schedule()).isEqualTo(TrainingConfig.Schedule.LINEAR);
    assertThat(sft.weightDecay()).isEqualTo(0.01);
    assertThat(cpt.weightDecay()).isZero();
    assertThat(cpt.effectiveEmbeddingLearningRate()).isEqualTo(5e-6);
  }

  private static String[] sftArgs(Path out, String... extra) {
    List<String> a = new java.util.ArrayList<>(List.of("train", "sft", "--model", MODEL.toString(),
        "--sft-data", TestResources.testdata("train/medical_o1_sample.jsonl").toString(), "--out", out.toString(),
        "--max-steps", "4", "--max-length", "1024", "--learning-rate", "1e-2", "--lora-r", "2", "--eval-split", "0",
        "--per-device-train-batch-size", "1", "--gradient-accumulation-steps", "1", "--warmup-ratio", "0.5",
        "--lr-scheduler-type", "linear", "--weight-decay", "0.05", "--max-grad-norm", "0.7", "--save-steps", "1",
        "--save-total-limit", "2", "--logging-steps", "2", "--gradient-checkpointing", "false", "--device", "cpu"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  private static List<String> checkpoints(Path out) throws Exception {
    try (Stream<Path> s = Files.list(out.resolve("checkpoints"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void deleteTree(Path p) throws Exception {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  private static List<String> lossColumn(Path out) throws Exception {
    return Files.readAllLines(out.resolve("metrics.csv")).stream().skip(1).map(l -> l.split(",")[2]).toList();
  }

  @Test
  void sftRecordsEveryRecipeOptionKeepsSaveTotalLimitCheckpointsAndResumes() throws Exception {
    Path full = tmp.resolve("full");
    CliResult r = CliResult.run(sftArgs(full));
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode run = new ObjectMapper().readTree(full.resolve("provenance.json").toFile()).get("run");
    assertThat(run.get("warmup_ratio").asText()).isEqualTo("0.5");
    assertThat(run.get("warmup_steps").asText()).isEqualTo("0");
    assertThat(run.get("lr_scheduler_type").asText()).isEqualTo("linear");
    assertThat(run.get("weight_decay").asText()).isEqualTo("0.05");
    assertThat(run.get("max_grad_norm").asText()).isEqualTo("0.7");
    assertThat(run.get("save_steps").asText()).isEqualTo("1");
    assertThat(run.get("save_total_limit").asText()).isEqualTo("2");
    assertThat(run.get("logging_steps").asText()).isEqualTo("2");
    assertThat(run.get("gradient_checkpointing").asText()).isEqualTo("false");
    assertThat(run.get("embedding_learning_rate").asText()).isEqualTo("0.01"); // sft: the LoRA rate
    assertThat(run.get("device").asText()).isEqualTo("cpu()");
    assertThat(run.get("total_steps").asText()).isEqualTo("4");
    // save_steps 1 wrote four checkpoints; save_total_limit 2 kept the newest two, nothing else in the folder.
    assertThat(checkpoints(full)).containsExactly("checkpoint-00000003", "checkpoint-00000004");
    // warmup_ratio 0.5 of 4 steps = 2 warm-up steps, then linear decay: factors 0, 1/2, 1, 1/2 (transformers).
    List<String> lrs = Files.readAllLines(full.resolve("metrics.csv")).stream().skip(1)
        .map(l -> l.split(",")[3]).toList();
    assertThat(lrs.stream().map(Double::parseDouble).toList()).containsExactly(0.0, 0.005, 0.01, 0.005);

    // The same run cut after step 3 (its last checkpoint removed) resumes and ends bit-identically.
    Path cut = tmp.resolve("cut");
    assertThat(CliResult.run(sftArgs(cut)).code()).isZero();
    deleteTree(cut.resolve("checkpoints").resolve("checkpoint-00000004"));
    deleteTree(cut.resolve("adapter"));
    CliResult resumed = CliResult.run(sftArgs(cut));
    assertThat(resumed.code()).as(resumed.err()).isZero();
    JsonNode again = new ObjectMapper().readTree(cut.resolve("provenance.json").toFile()).get("run");
    assertThat(again.get("resumed_from_step").asText()).isEqualTo("3");
    assertThat(lossColumn(cut)).containsExactlyElementsOf(lossColumn(full));
    assertThat(checkpoints(cut)).containsExactly("checkpoint-00000003", "checkpoint-00000004");
    assertThat(Files.readAllBytes(cut.resolve("adapter").resolve("adapter_model.safetensors")))
        .isEqualTo(Files.readAllBytes(full.resolve("adapter").resolve("adapter_model.safetensors")));
  }

  @Test
  void cptRecordsItsEmbeddingLearningRateAndWarmupSteps() throws Exception {
    Path out = tmp.resolve("cpt");
    CliResult r = CliResult.run("train", "cpt", "--model", MODEL.toString(),
        "--corpus", TestResources.testdata("train/medrag_sample.jsonl").toString(), "--out", out.toString(),
        "--max-steps", "2", "--max-length", "16", "--learning-rate", "1e-2", "--lora-r", "2",
        "--embedding-learning-rate", "2e-3", "--warmup-steps", "1", "--lr-scheduler-type", "constant_with_warmup",
        "--save-total-limit", "1", "--save-steps", "1");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode run = new ObjectMapper().readTree(out.resolve("provenance.json").toFile()).get("run");
    assertThat(run.get("embedding_learning_rate").asText()).isEqualTo("0.002");
    assertThat(run.get("warmup_steps").asText()).isEqualTo("1");
    assertThat(run.get("warmup_ratio").asText()).isEqualTo("0.0"); // the recipe's ratio replaced, not combined
    assertThat(run.get("lr_scheduler_type").asText()).isEqualTo("constant_with_warmup");
    assertThat(run.get("gradient_checkpointing").asText()).isEqualTo("true");
    assertThat(checkpoints(out)).containsExactly("checkpoint-00000002");
  }

  @Test
  void badRecipeOptionsAreNamedErrors() {
    String data = TestResources.testdata("train/medical_o1_sample.jsonl").toString();
    String[] base = {"train", "sft", "--model", MODEL.toString(), "--sft-data", data, "--out", tmp.toString()};
    assertThat(error(base, "--learning-rate", "0")).contains("learningRate must be in (0, 10], was 0.0");
    assertThat(error(base, "--learning-rate", "-1e-4")).contains("learningRate must be in (0, 10], was -1.0E-4");
    assertThat(error(base, "--warmup-steps", "10", "--warmup-ratio", "0.1"))
        .contains("--warmup-steps 10 and --warmup-ratio 0.1 were both given");
    assertThat(error(base, "--lr-scheduler-type", "cosine_with_restarts"))
        .contains("lrSchedulerType must be one of cosine, linear, constant, constant_with_warmup");
    assertThat(error(base, "--lr-scheduler-type", "constant", "--warmup-steps", "5"))
        .contains("lrSchedulerType constant has no warmup");
    assertThat(error(base, "--embedding-learning-rate", "1e-5")).contains("--embedding-learning-rate is for cpt");
    assertThat(error(base, "--device", "tpu")).contains("device must be cpu, gpu or gpu:N (N >= 0), was 'tpu'");
    assertThat(error(base, "--device", "gpu:-1")).contains("device must be cpu, gpu or gpu:N");
    assertThat(tmp.resolve("checkpoints")).doesNotExist();
  }

  private static String error(String[] base, String... extra) {
    String[] args = Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new);
    CliResult r = CliResult.run(args);
    assertThat(r.code()).as(String.join(" ", extra)).isEqualTo(1);
    assertThat(r.err()).as(String.join(" ", extra)).startsWith("error: ").doesNotContain("\tat ");
    return r.err();
  }
}
