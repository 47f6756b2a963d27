package dev.medadapt.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.model.LocalLanguageModel;
import dev.medadapt.eval.run.ItemRecord;
import dev.medadapt.eval.run.RunLog;
import dev.medadapt.eval.stats.Interval;
import dev.medadapt.eval.stats.McNemar;
import dev.medadapt.eval.stats.Proportions;
import dev.medadapt.study.EmbeddedDefault;
import dev.medadapt.train.data.SftDatasets;
import dev.medadapt.train.data.SftExample;
import dev.medadapt.train.lora.LoraAdapter;
import dev.medadapt.train.peft.PeftAdapterIO;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs each example's {@code main} in-process on the embedded default (shortened with its options where the default
 * would take long) and checks what it printed against the files it wrote and against independent recomputation.
 */
class ExamplesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void chatStreamsTheSeededGenerationAndScoresLogLikelihoods() throws Exception {
    Path out = tmp.resolve("chat");
    String stdout = run(ChatExample::main, "--out", out.toString());
    JsonNode chat = JSON.readTree(out.resolve("chat.json").toFile());
    String text = chat.get("text").asText();

    // The streamed pieces, concatenated on stdout, are exactly the generation's text.
    assertThat(stdout).contains("Streamed: " + text + "\n");
    assertThat(chat.get("generated_tokens").asInt()).isBetween(1, 32);
    // No think tags from the byte-level random model: all of it is answer.
    assertThat(text).doesNotContain("<think>").doesNotContain("</think>");
    assertThat(chat.get("reasoning").asText()).isEmpty();
    assertThat(chat.get("answer").asText()).isEqualTo(text.strip());

    // lm-eval semantics on a byte-level tokenizer: one scored token per UTF-8 byte of the continuation.
    for (String c : List.of(" Metformin", " Insulin")) {
      JsonNode s = chat.get("loglikelihood").get(c);
      assertThat(s.get("tokens").asInt()).isEqualTo(c.getBytes(StandardCharsets.UTF_8).length);
      double ll = s.get("log_likelihood").asDouble();
      assertThat(ll).isNegative().isGreaterThan(-1e4);
      assertThat(stdout).contains(String.format(Locale.ROOT, "Log-likelihood of \"%s\": %.4f", c.strip(), ll));
    }

    // Same seed, same text: a second run into another folder generates the same tokens.
    Path again = tmp.resolve("chat-again");
    run(ChatExample::main, "--out", again.toString());
    assertThat(JSON.readTree(again.resolve("chat.json").toFile()).get("text").asText()).isEqualTo(text);
  }

  @Test
  void ragAnswersFromPassagesOfTheCorpus() throws Exception {
    Path out = tmp.resolve("rag");
    String stdout = run(RagExample::main, "--out", out.toString());
    JsonNode answer = JSON.readTree(out.resolve("answer.json").toFile());

    Map<String, String> titles = corpusTitles(EmbeddedDefault.extract(tmp.resolve("corpus")).corpus());
    List<String> shown = new ArrayList<>();
    for (JsonNode s : answer.get("snippets")) {
      String id = s.get("id").asText();
      shown.add(id);
      // a passage id, or "<id>_part<n>" for a piece of a passage longer than 1,000 characters
      String passage = id.replaceFirst("_part\\d+$", "");
      assertThat(titles).as(id).containsKey(passage);
      assertThat(s.get("title").asText()).isEqualTo(titles.get(passage));
      assertThat(stdout).contains(id);
    }
    assertThat(shown).hasSize(3).doesNotHaveDuplicates();
    // BM25 puts the leukemia passage first for the leukemia question.
    assertThat(answer.get("snippets").get(0).get("title").asText()).contains("Acute Lymphoblastic Leukemia");
    List<String> cited = new ArrayList<>();
    answer.get("cited_ids").forEach(n -> cited.add(n.asText()));
    assertThat(shown).containsAll(cited);
    assertThat(stdout).contains("Answer: " + answer.get("answer").asText().strip());
    // Passages over 1,000 characters were split, so the index holds more chunks than the corpus has rows.
    assertThat(answer.get("index_size").asInt()).isGreaterThan(titles.size());
    assertThat(stdout).contains("Index: " + answer.get("index_size").asInt() + " chunks");
  }

  @Test
  void fineTuneWritesAPeftAdapterAndAMergedModelThatLearned() throws Exception {
    Path out = tmp.resolve("finetune");
    String stdout = run(FineTuneExample::main, "--out", out.toString(), "--steps", "2");

    Path adapter = out.resolve("train/adapter");
    JsonNode config = JSON.readTree(adapter.resolve("adapter_config.json").toFile());
    assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
    assertThat(config.get("r").asInt()).isEqualTo(16);
    assertThat(config.get("lora_alpha").asInt()).isEqualTo(32);
    assertThat(config.get("use_rslora").asBoolean()).isTrue();
    assertThat(config.get("target_modules")).hasSize(7);
    assertThat(adapter.resolve("adapter_model.safetensors")).isRegularFile();
    LoraAdapter lora = PeftAdapterIO.read(adapter);
    assertThat(lora.modules()).hasSize(2 * 7); // 2 layers x 7 projections
    assertThat(stdout).contains("Adapter (PEFT format): " + adapter).contains("adapter_model.safetensors");

    // The printed loss table is the run's metrics file.
    List<String> csv = Files.readAllLines(out.resolve("train/metrics.csv"));
    assertThat(csv).hasSize(1 + 2);
    for (String line : csv.subList(1, csv.size())) {
      String[] f = line.split(",");
      Matcher m = Pattern.compile("(?m)^\\s*" + f[0] + "\\s+(\\S+)\\s+(\\S+)").matcher(stdout);
      assertThat(m.find()).as("loss row of step " + f[0]).isTrue();
      assertThat(Double.parseDouble(m.group(1))).isCloseTo(Double.parseDouble(f[2]), within(1e-5));
      assertThat(Double.parseDouble(m.group(2))).isCloseTo(Double.parseDouble(f[3]), within(1e-6));
    }
    assertThat(stdout).contains("Trained 2 steps (resumed from step 0)");

    // The merged checkpoint loads and, after one step at the peak learning rate, finds a training answer likelier.
    Matcher ll = Pattern.compile("base (-?[\\d.]+), fine-tuned (-?[\\d.]+)").matcher(stdout);
    assertThat(ll.find()).as(stdout).isTrue();
    SftExample example = FineTuneExample.shortest(SftDatasets.instruction(
        out.resolve("embedded/corpus/medquad_sample.jsonl"), EmbeddedDefault.SFT_TEMPLATE, Map.of()));
    assertThat(example.prompt().length() + example.completion().length()).isLessThan(256); // inside the window
    try (LocalLanguageModel merged = LocalLanguageModel.builder().modelPath(out.resolve("merged")).build()) {
      double after = merged.loglikelihood(List.of(new LoglikelihoodRequest(example.prompt(), example.completion())))
          .get(0).logLikelihood();
      assertThat(after).isCloseTo(Double.parseDouble(ll.group(2)), within(1e-3));
    }
    assertThat(Double.parseDouble(ll.group(2))).isGreaterThan(Double.parseDouble(ll.group(1)));
  }

  @Test
  void evaluatePrintsAccuraciesAndMcNemarConsistentWithTheRunFiles() throws Exception {
    Path out = tmp.resolve("evaluate");
    String stdout = run(EvaluateExample::main, "--out", out.toString(), "--n", "1");
    Map<String, List<ItemRecord>> runs = Map.of(
        "base", RunLog.readDir(out.resolve("runs/base")).records(),
        "rag", RunLog.readDir(out.resolve("runs/rag")).records());
    for (List<ItemRecord> records : runs.values()) {
      assertThat(records).hasSize(2); // 1 MedQA + 1 PubMedQA question
    }

    // Accuracy lines: counts from the records, interval = Wilson's for those counts.
    Pattern acc = Pattern.compile(
        "(?m)^\\s+(base|rag)\\s+(\\w+)\\s+(\\d+)/(\\d+)\\s+=\\s+([\\d.]+)\\s+\\[([\\d.]+), ([\\d.]+)\\]");
    Matcher m = acc.matcher(stdout);
    int lines = 0;
    while (m.find()) {
      lines++;
      List<ItemRecord> rs = runs.get(m.group(1)).stream()
          .filter(r -> m.group(2).equals("all") || r.benchmark().equals(m.group(2))).toList();
      int correct = (int) rs.stream().filter(ItemRecord::correct).count();
      assertThat(Integer.parseInt(m.group(3))).as(m.group()).isEqualTo(correct);
      assertThat(Integer.parseInt(m.group(4))).as(m.group()).isEqualTo(rs.size());
      Interval w = Proportions.wilson(correct, rs.size(), 0.95);
      assertThat(Double.parseDouble(m.group(5))).isCloseTo((double) correct / rs.size(), within(5e-5));
      assertThat(Double.parseDouble(m.group(6))).isCloseTo(w.low(), within(5e-5));
      assertThat(Double.parseDouble(m.group(7))).isCloseTo(w.high(), within(5e-5));
    }
    assertThat(lines).isEqualTo(2 * 3); // medqa, pubmedqa and all, for each run

    // McNemar lines: the discordant pairs counted question by question from the two record files.
    Map<String, ItemRecord> base = new HashMap<>();
    runs.get("base").forEach(r -> base.put(r.key(), r));
    Pattern mc = Pattern.compile(
        "(?m)^\\s+(\\w+)\\s+n=(\\d+) both=(\\d+) only_rag=(\\d+) only_base=(\\d+) neither=(\\d+).*mcnemar_p=([\\d.]+)");
    Matcher p = mc.matcher(stdout);
    int rows = 0;
    while (p.find()) {
      rows++;
      int[] cells = new int[4]; // both, only rag, only base, neither
      for (ItemRecord r : runs.get("rag")) {
        if (r.benchmark().equals(p.group(1))) {
          boolean b = base.get(r.key()).correct();
          cells[r.correct() ? (b ? 0 : 1) : (b ? 2 : 3)]++;
        }
      }
      for (int i = 0; i < 4; i++) {
        assertThat(Integer.parseInt(p.group(3 + i))).as(p.group() + " cell " + i).isEqualTo(cells[i]);
      }
      assertThat(Double.parseDouble(p.group(7))).isCloseTo(McNemar.exactPValue(cells[1], cells[2]), within(5e-5));
    }
    assertThat(rows).isEqualTo(2);

    // The RAG run's prompts carry retrieved snippets, so no prompt equals the base run's.
    for (ItemRecord r : runs.get("rag")) {
      assertThat(r.promptHash()).isNotEqualTo(base.get(r.key()).promptHash());
    }
    assertThat(Files.readString(out.resolve("runs/rag/run.json"))).contains("\"retrieval\" : \"bm25 over ").contains(" k=1\"");
    assertThat(Files.readString(out.resolve("rag-vs-base.md"))).contains("mcnemar_p");
  }

  @Test
  void unknownOptionsAreRefusedWithTheAcceptedOnes() {
    assertThatThrownBy(() -> ChatExample.main(new String[] {"--modle", "x"}))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("--modle").hasMessageContaining("--model").hasMessageContaining("--out");
    assertThatThrownBy(() -> EvaluateExample.main(new String[] {"--n"}))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("--n needs a value");
    assertThatThrownBy(() -> EvaluateExample.main(new String[] {"--out", tmp.toString(), "--n", "many"}))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("--n must be an integer");
  }

  /** Runs {@code main(args)} with stdout captured. */
  private static String run(Consumer<String[]> main, String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      main.accept(args);
    } finally {
      System.setOut(saved);
    }
    String s = buf.toString(StandardCharsets.UTF_8);
    saved.print(s); // keep it visible in the test log
    return s;
  }

  private static Map<String, String> corpusTitles(Path jsonl) throws Exception {
    Map<String, String> titles = new HashMap<>();
    for (String line : Files.readAllLines(jsonl)) {
      if (!line.isBlank()) {
        JsonNode n = JSON.readTree(line);
        titles.put(n.get("id").asText(), n.get("title").asText());
      }
    }
    return titles;
  }
}
