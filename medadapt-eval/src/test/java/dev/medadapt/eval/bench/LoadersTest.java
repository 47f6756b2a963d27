package dev.medadapt.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.testing.TestResources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadersTest {
  @TempDir Path tmp;

  private static Path data(String rel) {
    return TestResources.testdata("eval/" + rel);
  }

  private Path write(String name, String content) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  @Test
  void medqaUsesAnswerIdxAndMirageIds() {
    List<Question> qs = BenchmarkLoaders.forName("medqa").load(data("medqa_sample.jsonl"));
    assertThat(qs).hasSize(4);
    assertThat(qs).extracting(Question::id).containsExactly("0000", "0001", "0002", "0003");
    Question q = qs.get(0);
    assertThat(q.answer()).isEqualTo("B");
    assertThat(q.options().get(1)).isEqualTo("Tell the attending that he cannot fail to disclose this mistake");
    assertThat(q.benchmark()).isEqualTo("medqa");
    assertThat(q.context()).isNull();
  }

  @Test
  void medqaAnswerTextMustMatchAnswerIdx() throws IOException {
    Path p = write("m.jsonl",
        "{\"question\":\"q\",\"answer\":\"two\",\"options\":{\"A\":\"one\",\"B\":\"two\"},\"answer_idx\":\"B\"}\n"
            + "{\"question\":\"q\",\"answer\":\"one\",\"options\":{\"A\":\"one\",\"B\":\"two\"},\"answer_idx\":\"B\"}\n");
    assertThatThrownBy(() -> new MedQaLoader().load(p))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(p + ":2")
        .hasMessageContaining("'answer'");
  }

  @Test
  void medmcqaCopIsOneBased() {
    List<Question> qs = BenchmarkLoaders.forName("medmcqa").load(data("medmcqa_sample.json"));
    assertThat(qs).hasSize(4);
    assertThat(qs.get(0).id()).isEqualTo("45258d3d-b974-44dd-a161-c3fccbdadd88");
    assertThat(qs.get(0).answer()).isEqualTo("A"); // cop 1
    assertThat(qs.get(0).options().get(0)).startsWith("Impulse through myelinated fibers");
  }

  @Test
  void medmcqaBadRowsNameFileLineAndField() throws IOException {
    String ok = "{\"id\":\"x\",\"question\":\"q\",\"opa\":\"a\",\"opb\":\"b\",\"opc\":\"c\",\"opd\":\"d\",\"cop\":4}";
    Path bad = write("cop.json", ok + "\n" + ok.replace("\"x\"", "\"y\"").replace("4}", "5}") + "\n");
    assertThatThrownBy(() -> new MedMcqaLoader().load(bad))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("cop.json:2")
        .hasMessageContaining("unknown answer key 5");
    Path zero = write("zero.json", ok.replace("4}", "0}") + "\n");
    assertThatThrownBy(() -> new MedMcqaLoader().load(zero)).hasMessageContaining("1-based");
    Path dup = write("dup.json", ok + "\n\n" + ok + "\n");
    assertThatThrownBy(() -> new MedMcqaLoader().load(dup))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("dup.json:3")
        .hasMessageContaining("duplicate id \"x\"")
        .hasMessageContaining("dup.json:1");
    Path missing = write("miss.json", ok.replace("\"opc\":\"c\",", "") + "\n");
    assertThatThrownBy(() -> new MedMcqaLoader().load(missing))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("miss.json:1")
        .hasMessageContaining("'opc'");
    Path broken = write("broken.json", ok + "\n{\"id\": \"z\", \n");
    assertThatThrownBy(() -> new MedMcqaLoader().load(broken))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("broken.json:2: invalid JSON");
  }

  @Test
  void mmluReadsQuotedNewlinesCrlfAndKeepsBomCharacters() {
    List<Question> qs = BenchmarkLoaders.forName("mmlu").load(data("mmlu"));
    assertThat(qs).hasSize(19);
    Map<String, Question> byId = qs.stream().collect(Collectors.toMap(Question::id, q -> q));
    assertThat(byId.get("anatomy-000").options().get(2))
        .isEqualTo("paralysis of the facial muscles, loss of taste and lacrimation.");
    // college_medicine row 2 has line breaks inside a quoted field
    assertThat(byId.get("college_medicine-002").question()).contains("\n");
    // the fourth sample row (row 49 of the original) holds U+FEFF inside a field: kept verbatim
    Question bom = byId.get("college_medicine-003");
    assertThat(bom.question() + String.join("", bom.options())).contains("\uFEFF");
    // CRLF files without a final newline: answers are clean letters, no stray \r anywhere
    for (Question q : qs) {
      assertThat(q.answer()).matches("[ABCD]");
      assertThat(q.options()).noneMatch(o -> o.endsWith("\r"));
    }
    assertThat(qs.stream().map(Question::id).map(id -> id.substring(0, id.lastIndexOf('-'))).distinct().toList())
        .containsExactlyElementsOf(MmluLoader.SUBJECTS);
  }

  @Test
  void mmluSingleFileAndBadRows() throws IOException {
    Path f = write("virology_test.csv", "q1,a,b,c,d,C\r\n\"q,2\",a,\"b \"\"x\"\"\",c,d,A");
    List<Question> qs = new MmluLoader().load(f);
    assertThat(qs).extracting(Question::id).containsExactly("virology-000", "virology-001");
    assertThat(qs.get(1).question()).isEqualTo("q,2");
    assertThat(qs.get(1).options().get(1)).isEqualTo("b \"x\"");
    Path five = write("anatomy_test.csv", "q1,a,b,c,d,C\nq2,a,b,c,A\n");
    assertThatThrownBy(() -> new MmluLoader().load(five))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("anatomy_test.csv:2")
        .hasMessageContaining("found 5");
    Path badAnswer = write("genetics_test.csv", "q1,a,b,c,d,E\n");
    assertThatThrownBy(() -> new MmluLoader().load(badAnswer))
        .hasMessageContaining("genetics_test.csv:1")
        .hasMessageContaining("unknown answer key \"E\"");
    assertThatThrownBy(() -> new MmluLoader().load(tmp))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("missing MMLU medical files");
  }

  @Test
  void pubmedqaTestSplitAndContext() {
    List<Question> test = BenchmarkLoaders.forName("pubmedqa").load(data("pubmedqa"));
    assertThat(test).extracting(Question::id).containsExactly("21645374", "16418930", "9488747");
    assertThat(test).extracting(Question::answer).containsExactly("A", "B", "A");
    assertThat(test.get(0).options()).containsExactly("yes", "no", "maybe");
    assertThat(test).allMatch(q -> q.context() == null);
    List<Question> all = BenchmarkLoaders.forName("pubmedqa:all:context").load(data("pubmedqa/ori_pqal.json"));
    assertThat(all).hasSize(5);
    assertThat(all.get(0).context()).startsWith("Programmed cell death (PCD) is the regulated death").contains("\n\n");
  }

  @Test
  void pubmedqaRejectsUnknownLabelAndMissingTruth() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("p"));
    Files.writeString(dir.resolve("ori_pqal.json"),
        "{\"1\": {\"QUESTION\": \"q?\", \"CONTEXTS\": [\"c\"], \"final_decision\": \"perhaps\"}}");
    assertThatThrownBy(() -> new PubMedQaLoader(PubMedQaLoader.Split.ALL, false).load(dir))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(": 1: field 'final_decision'")
        .hasMessageContaining("unknown answer key \"perhaps\"");
    assertThatThrownBy(() -> new PubMedQaLoader(PubMedQaLoader.Split.TEST, false).load(dir))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("test_ground_truth.json");
  }

  @Test
  void mirageSetsSortedIdsAndBioasqTwoOptions() {
    Path b = data("mirage_benchmark_sample.json");
    for (String set : MirageLoader.SETS) {
      List<Question> qs = BenchmarkLoaders.forName("mirage:" + set).load(b);
      assertThat(qs).hasSize(3);
      assertThat(qs).extracting(Question::benchmark).containsOnly(set);
      assertThat(qs).extracting(Question::id).isSorted();
    }
    List<Question> bio = BenchmarkLoaders.forName("mirage:bioasq").load(b);
    assertThat(bio.get(0).options()).containsExactly("yes", "no");
  }

  @Test
  void mirageRejectsDuplicateIdsGappedOptionsAndUnknownSet() throws IOException {
    Path dup = write("d.json",
        "{\"medqa\": {\"1\": {\"question\": \"q\", \"options\": {\"A\": \"x\", \"B\": \"y\"}, \"answer\": \"A\"},"
            + " \"1\": {\"question\": \"q\", \"options\": {\"A\": \"x\", \"B\": \"y\"}, \"answer\": \"B\"}}}");
    assertThatThrownBy(() -> new MirageLoader("medqa").load(dup))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("Duplicate field '1'");
    Path gap = write("g.json",
        "{\"medqa\": {\"1\": {\"question\": \"q\", \"options\": {\"A\": \"x\", \"C\": \"y\"}, \"answer\": \"A\"}}}");
    assertThatThrownBy(() -> new MirageLoader("medqa").load(gap))
        .hasMessageContaining("medqa/1")
        .hasMessageContaining("A..B");
    Path noOpt = write("n.json", "{\"medqa\": {\"7\": {\"question\": \"q\", \"answer\": \"A\"}}}");
    assertThatThrownBy(() -> new MirageLoader("medqa").load(noOpt))
        .hasMessageContaining("medqa/7: field 'options' (the options) is missing");
    assertThatThrownBy(() -> new MirageLoader("bioasq").load(noOpt))
        .hasMessageContaining("no set \"bioasq\"");
    assertThatThrownBy(() -> BenchmarkLoaders.forName("mirage:usmle"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("unknown benchmark");
  }

  @Test
  void genericJsonlWithFieldMappings() throws IOException {
    Path p = write("g.jsonl",
        "{\"qid\": 7, \"stem\": \"s1\", \"choices\": [\"x\", \"y\", \"z\"], \"gold\": \"z\"}\n"
            + "{\"qid\": \"b\", \"stem\": \"s2\", \"choices\": [\"x\", \"y\"], \"gold\": \"x\", \"ctx\": \"doc\"}\n");
    JsonlLoader l = JsonlLoader.builder().benchmark("mine").idField("qid").questionField("stem")
        .optionsField("choices").answerField("gold").answerEncoding(JsonlLoader.AnswerEncoding.TEXT)
        .contextField("ctx").build();
    List<Question> qs = l.load(p);
    assertThat(qs).extracting(Question::id).containsExactly("7", "b");
    assertThat(qs).extracting(Question::answer).containsExactly("C", "A");
    assertThat(qs.get(1).context()).isEqualTo("doc");
    assertThat(qs.get(0).benchmark()).isEqualTo("mine");

    Path d = write("d.jsonl", "{\"id\": \"q1\", \"question\": \"q\", \"options\": {\"A\": \"x\", \"B\": \"y\"}, \"answer\": \"B\"}\n");
    assertThat(BenchmarkLoaders.forName("jsonl").load(d).get(0).answer()).isEqualTo("B");

    JsonlLoader idx = JsonlLoader.builder().idField(null).optionFields(List.of("a", "b"))
        .answerEncoding(JsonlLoader.AnswerEncoding.INDEX_0).build();
    Path i = write("i.jsonl", "{\"question\": \"q\", \"a\": \"x\", \"b\": \"y\", \"answer\": 1}\n"
        + "{\"question\": \"q\", \"a\": \"x\", \"b\": \"y\", \"answer\": 2}\n");
    assertThatThrownBy(() -> idx.load(i))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("i.jsonl:2: field 'answer': unknown answer key 2, expected an integer 0..1 (0-based");
    assertThatThrownBy(() -> JsonlLoader.builder().optionFields(List.of()).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("optionFields must name 1..26 fields, was 0");
  }

  @Test
  void forDataRecognisesMirageBenchmarkFiles() {
    Path mirage = data("mirage_benchmark_sample.json");
    assertThat(BenchmarkLoaders.forData("medqa", mirage).name()).isEqualTo("mirage:medqa");
    assertThat(BenchmarkLoaders.forData("bioasq", mirage).name()).isEqualTo("mirage:bioasq");
    assertThat(BenchmarkLoaders.forData("mirage:mmlu", mirage).name()).isEqualTo("mirage:mmlu");
    assertThat(BenchmarkLoaders.forData("medqa", data("medqa_sample.jsonl")).name()).isEqualTo("medqa");
    assertThat(BenchmarkLoaders.forData("pubmedqa:context", data("pubmedqa")).name()).isEqualTo("pubmedqa:context");
    assertThatThrownBy(() -> BenchmarkLoaders.forData("bioasq", data("medqa_sample.jsonl")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("only available from a MIRAGE benchmark.json");
    assertThatThrownBy(() -> BenchmarkLoaders.forData("usmle", mirage))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("dataset must be one of [mmlu, medqa, medmcqa, pubmedqa, bioasq]");
  }

  @Test
  void singleJsonDocumentGivenAsJsonLinesGetsAHint() throws IOException {
    Path p = write("array.jsonl", "[\n {\"question\": \"q\"}\n]\n");
    assertThatThrownBy(() -> new MedQaLoader().load(p))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("array.jsonl:1")
        .hasMessageContaining("not JSON Lines");
  }

  @Test
  void invalidUtf8IsReported() throws IOException {
    Path p = tmp.resolve("bad.jsonl");
    Files.write(p, new byte[] {'{', '"', (byte) 0xC3, '"', '}', '\n'});
    assertThatThrownBy(() -> new MedQaLoader().load(p))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("not valid UTF-8");
  }
}
