package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
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
}
