package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.eval.run.RunLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code medadapt study} end to end on the embedded default: every arm is trained, merged, indexed and scored for
 * real (on the tiny random model, with few questions and steps), then a rerun resumes without redoing any stage.
 */
class StudyCommandTest {
  @TempDir Path tmp;

  @Test
  void embeddedDefaultRunsEveryArmAndResumes() throws Exception {
    Path out = tmp.resolve("study");
    String[] args = {"study", "--out", out.toString(), "--n", "3", "--train-steps", "2", "--max-length", "256",
        "--no-progress"};
    CliResult first = CliResult.run(args);
    assertThat(first.code()).as(first.err()).isZero();

    // 4 benchmarks x 3 questions for each of the 5 arms, each recorded once
    for (String arm : List.of("base", "rag", "sft", "cpt", "msft")) {
      assertThat(RunLog.read(out.resolve("runs").resolve(arm).resolve("records.jsonl")).records())
          .as(arm).hasSize(12);
    }
    for (String arm : List.of("sft", "cpt", "msft")) {
      assertThat(out.resolve("models").resolve(arm).resolve("config.json")).as(arm).isRegularFile();
      assertThat(out.resolve("train").resolve(arm).resolve("adapter").resolve("adapter_config.json"))
          .as(arm).isRegularFile();
    }
    // MSFT is one CPT -> merge -> SFT pipeline whose merged CPT model is also the CPT arm's
    JsonNode pipeline = new ObjectMapper().readTree(out.resolve("train").resolve("pipeline.json").toFile());
    assertThat(pipeline.get("cpt_merged_model").asText())
        .isEqualTo(out.resolve("models").resolve("cpt").toAbsolutePath().toString());
    assertThat(pipeline.get("sft").get("model").asText()).isEqualTo(pipeline.get("cpt_merged_model").asText());
    // One report: the grid has every method, the random-model arms are labelled as such.
    JsonNode study = new ObjectMapper().readTree(out.resolve("study.json").toFile());
    java.util.Set<String> methods = new java.util.LinkedHashSet<>();
    study.get("grid").forEach(r -> methods.add(r.get("method").asText()));
    assertThat(methods).containsExactly("base", "rag", "sft", "cpt", "msft", "ir-bm25", "ir-dense", "ir-hybrid");
    study.get("grid").forEach(r -> {
      if (!r.get("method").asText().startsWith("ir-")) {
        assertThat(r.get("kind").asText()).startsWith("random model");
      }
    });
    // The paired table's discordant counts are a recount of the two runs' records, question by question.
    java.util.Map<String, dev.medadapt.eval.run.ItemRecord> bm25 = new java.util.HashMap<>();
    RunLog.read(out.resolve("runs/ir-bm25/records.jsonl")).records().forEach(r -> bm25.put(r.key(), r));
    java.util.Map<String, int[]> recount = new java.util.HashMap<>();
    for (dev.medadapt.eval.run.ItemRecord d : RunLog.read(out.resolve("runs/ir-dense/records.jsonl")).records()) {
      dev.medadapt.eval.run.ItemRecord b = bm25.get(d.key());
      int[] c = recount.computeIfAbsent(d.benchmark(), k -> new int[2]);
      c[0] += d.correct() && !b.correct() ? 1 : 0;
      c[1] += !d.correct() && b.correct() ? 1 : 0;
    }
    int rows = 0;
    for (JsonNode r : study.get("paired")) {
      if (r.get("comparison").asText().equals("ir-dense vs ir-bm25")) {
        int[] c = recount.get(r.get("benchmark").asText());
        assertThat(r.get("discordant_a_only").asInt()).isEqualTo(c[0]);
        assertThat(r.get("discordant_b_only").asInt()).isEqualTo(c[1]);
        rows++;
      }
    }
    assertThat(rows).isEqualTo(4);
    for (String cmp : List.of("rag-vs-base", "sft-vs-base", "cpt-vs-base", "msft-vs-base", "ir-dense-vs-ir-bm25",
        "ir-hybrid-vs-ir-bm25", "ir-hybrid-vs-ir-dense")) {
      assertThat(Files.readString(out.resolve("compare").resolve(cmp + ".md"))).contains("mcnemar_p");
    }
    String md = Files.readString(out.resolve("study.md"));
    assertThat(md).contains("## Accuracy", "## Paired comparisons", "## Provenance", "RANDOM", "(accuracy.svg)");
    assertThat(out.resolve("accuracy.svg")).isRegularFile();
    assertThat(out.resolve("accuracy.png")).isRegularFile();
    assertThat(first.out()).contains("| medqa").contains("mcnemar_p");

    // The merged models and the records are not rewritten by a rerun.
    FileTime merged = Files.getLastModifiedTime(out.resolve("models/msft/config.json"));
    long records = count(out.resolve("runs"));
    CliResult again = CliResult.run(args);
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(Files.getLastModifiedTime(out.resolve("models/msft/config.json"))).isEqualTo(merged);
    assertThat(count(out.resolve("runs"))).isEqualTo(records);
    assertThat(again.out()).isEqualTo(first.out());
  }

  private static long count(Path runs) throws Exception {
    long n = 0;
    try (Stream<Path> s = Files.walk(runs)) {
      for (Path p : s.filter(p -> p.getFileName().toString().equals("records.jsonl")).toList()) {
        n += Files.readAllLines(p).size();
      }
    }
    return n;
  }
}
