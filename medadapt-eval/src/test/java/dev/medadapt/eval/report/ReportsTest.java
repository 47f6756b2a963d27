package dev.medadapt.eval.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.eval.run.ItemRecord;
import dev.medadapt.eval.stats.Bootstrap;
import dev.medadapt.eval.stats.McNemar;
import dev.medadapt.eval.stats.Proportions;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class ReportsTest {
  private static final Bootstrap BOOT = new Bootstrap(2000, 4242);

  @TempDir Path tmp;

  /**
   * Run A and run B on two benchmarks. medqa (40 items): both right 10, only A 12, only B 2,
   * both wrong 16; mmlu (30 items): both right 9, only A 3, only B 4, both wrong 14. In run A
   * the first 5 wrong medqa items are unparsed.
   */
  static List<List<ItemRecord>> runs() {
    List<ItemRecord> a = new ArrayList<>();
    List<ItemRecord> b = new ArrayList<>();
    add(a, b, "medqa", new int[] {10, 12, 2, 16}, 5);
    add(a, b, "mmlu", new int[] {9, 3, 4, 14}, 0);
    return List.of(a, b);
  }

  private static void add(List<ItemRecord> a, List<ItemRecord> b, String bench, int[] cells, int unparsedA) {
    int id = 0;
    int unparsed = 0;
    for (int cell = 0; cell < 4; cell++) {
      for (int k = 0; k < cells[cell]; k++) {
        boolean ra = cell == 0 || cell == 1;
        boolean rb = cell == 0 || cell == 2;
        String qid = bench + "-" + id++;
        boolean unp = !ra && unparsed < unparsedA;
        unparsed += unp ? 1 : 0;
        a.add(rec(qid, bench, ra, unp));
        b.add(rec(qid, bench, rb, false));
      }
    }
  }

  private static ItemRecord rec(String id, String bench, boolean correct, boolean unparsed) {
    String extracted = unparsed ? ItemRecord.UNPARSED : correct ? "A" : "B";
    return new ItemRecord(id, bench, "h", "generate", "out", extracted, "r", "A", correct, 3);
  }

  @Test
  void summaryNumbersAndFilesParseBack() throws Exception {
    RunSummary s = RunSummary.of("base <v1>", runs().get(0), BOOT, 0.95);
    assertThat(s.rows()).extracting(BenchmarkSummary::benchmark).containsExactly("medqa", "mmlu", "all");
    BenchmarkSummary medqa = s.rows().get(0);
    assertThat(medqa.n()).isEqualTo(40);
    assertThat(medqa.correct()).isEqualTo(22);
    assertThat(medqa.unparsed()).isEqualTo(5);
    assertThat(medqa.wilson()).isEqualTo(Proportions.wilson(22, 40, 0.95));
    assertThat(s.rows().get(2).correct()).isEqualTo(22 + 12);

    ReportFiles files = Reports.writeSummary(tmp, "summary", List.of(s), BOOT);
    assertThat(files.written()).extracting(p -> p.getFileName().toString())
        .contains("summary.md", "summary.csv", "summary.json", "summary.svg");

    List<List<String>> csv = parseCsv(Files.readString(tmp.resolve("summary.csv")));
    assertThat(csv.get(0)).containsExactly("run", "benchmark", "n", "correct", "accuracy", "unparsed",
        "wilson_low", "wilson_high", "bootstrap_low", "bootstrap_high");
    assertThat(csv).hasSize(4);
    assertThat(csv.get(1).subList(0, 6)).containsExactly("base <v1>", "medqa", "40", "22", "0.55", "5");
    assertThat(Double.parseDouble(csv.get(1).get(6))).isEqualTo(medqa.wilson().low());

    JsonNode json = new ObjectMapper().readTree(tmp.resolve("summary.json").toFile());
    assertThat(json.get("bootstrap_seed").asLong()).isEqualTo(4242);
    JsonNode row = json.get("rows").get(1);
    assertThat(row.get("benchmark").asText()).isEqualTo("mmlu");
    assertThat(row.get("accuracy").asDouble()).isEqualTo(12 / 30.0);
    assertThat(row.get("bootstrap_low").asDouble()).isEqualTo(s.rows().get(1).bootstrap().low());

    String md = Files.readString(tmp.resolve("summary.md"));
    assertThat(md).contains("| base &lt;v1&gt; | medqa | 40 | 22 | 0.5500 | 5 |").contains("seed 4242");
  }

  @Test
  void comparisonMatchesHandCountsAndHolm() throws Exception {
    List<List<ItemRecord>> r = runs();
    Comparison c = Comparison.builder().a("base", r.get(0)).b("rag", r.get(1)).bootstrap(BOOT).level(0.95).alpha(0.05).build();
    assertThat(c.rows()).hasSize(2);
    Comparison.Row medqa = c.rows().get(0);
    assertThat(medqa.paired().onlyA()).isEqualTo(12);
    assertThat(medqa.paired().onlyB()).isEqualTo(2);
    // 2 * P(X <= 2 | 14, 1/2) = 2 * (1 + 14 + 91) / 16384 = 0.012939...
    double pMedqa = 2 * (1 + 14 + 91) / 16384.0;
    assertThat(medqa.paired().mcnemarP()).isCloseTo(pMedqa, within(1e-12));
    double pMmlu = McNemar.exactPValue(3, 4); // = 1
    assertThat(pMmlu).isEqualTo(1.0);
    // Holm with m = 2: smallest * 2, then max(running, 1 * 1.0)
    assertThat(medqa.holmP()).isCloseTo(2 * pMedqa, within(1e-12));
    assertThat(medqa.significant()).isTrue();
    assertThat(c.rows().get(1).holmP()).isEqualTo(1.0);
    assertThat(c.rows().get(1).significant()).isFalse();
    assertThat(medqa.paired().difference().estimate()).isCloseTo(10 / 40.0, within(1e-12));

    RunSummary a = RunSummary.of("base", r.get(0), BOOT, 0.95);
    RunSummary b = RunSummary.of("rag", r.get(1), BOOT, 0.95);
    Reports.writeComparison(tmp, "comparison", c, a, b, BOOT);
    List<List<String>> csv = parseCsv(Files.readString(tmp.resolve("comparison.csv")));
    assertThat(csv.get(0)).containsExactly("benchmark", "n", "accuracy_a", "accuracy_b", "difference", "diff_low",
        "diff_high", "only_a", "only_b", "mcnemar_p", "holm_p", "significant");
    assertThat(csv.get(1).get(11)).isEqualTo("yes");
    assertThat(Double.parseDouble(csv.get(1).get(9))).isEqualTo(medqa.paired().mcnemarP());
    JsonNode json = new ObjectMapper().readTree(tmp.resolve("comparison.json").toFile());
    assertThat(json.get("rows").get(0).get("holm_p").asDouble()).isEqualTo(medqa.holmP());
    assertThat(json.get("rows").get(1).get("significant").asText()).isEqualTo("no");
    assertThat(json.get("summaries")).hasSize(6);
    assertThat(Files.readString(tmp.resolve("comparison.md")))
        .contains("| medqa | 40 | 0.5500 | 0.3000 | 0.2500 |")
        .contains("0.02588");
  }

  @Test
  void unpairedItemsAreCountedAndGoldMismatchIsAnError() {
    List<List<ItemRecord>> r = runs();
    List<ItemRecord> b = new ArrayList<>(r.get(1).subList(3, r.get(1).size()));
    b.add(rec("extra", "medqa", true, false));
    Comparison c = Comparison.builder().a("a", r.get(0)).b("b", b).bootstrap(BOOT).level(0.95).alpha(0.05).build();
    assertThat(c.onlyInA()).isEqualTo(3);
    assertThat(c.onlyInB()).isEqualTo(1);
    assertThat(c.rows().get(0).paired().n()).isEqualTo(37);

    List<ItemRecord> other = new ArrayList<>(r.get(1));
    ItemRecord x = other.get(0);
    other.set(0, new ItemRecord(x.questionId(), x.benchmark(), "h", "generate", "o", "C", "r", "C", true, 1));
    assertThatThrownBy(() -> Comparison.builder().a("a", r.get(0)).b("b", other).bootstrap(BOOT).level(0.95).alpha(0.05).build())
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("item medqa/medqa-0 has gold answer A in a but C in b");
  }

  @Test
  void svgIsWellFormedEscapedAndDeterministic() throws Exception {
    List<List<ItemRecord>> r = runs();
    RunSummary a = RunSummary.of("base & <\"quoted\">", r.get(0), BOOT, 0.95);
    RunSummary b = RunSummary.of("rag", r.get(1), BOOT, 0.95);
    BarChart chart = BarChart.of("A < B?", List.of(a, b));
    String svg = chart.toSvg();
    assertThat(BarChart.of("A < B?", List.of(a, b)).toSvg()).isEqualTo(svg);

    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    assertThat(doc.getDocumentElement().getLocalName()).isEqualTo("svg");
    assertThat(doc.getDocumentElement().getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
    List<String> texts = new ArrayList<>();
    NodeList nl = doc.getElementsByTagName("text");
    for (int i = 0; i < nl.getLength(); i++) {
      texts.add(nl.item(i).getTextContent());
    }
    assertThat(texts).contains("base & <\"quoted\">", "rag", "medqa", "mmlu", "all", "A < B?", "55.0", "30.0");
    // 3 groups x 2 runs bars + 2 legend swatches + 2 backgrounds
    assertThat(doc.getElementsByTagName("rect").getLength()).isEqualTo(6 + 2 + 2);
    // each bar has a whisker and two caps
    assertThat(svg).contains("<title>A &lt; B?</title>");
  }

  @Test
  void pngHasChartSize() throws Exception {
    RunSummary a = RunSummary.of("base", runs().get(0), BOOT, 0.95);
    BarChart chart = BarChart.of("png", List.of(a));
    Path png = tmp.resolve("c.png");
    boolean fonts = java.awt.GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames().length > 0;
    assumeTrue(fonts, "no fonts installed for Java2D: PNG charts cannot be drawn on this JRE (SVG still works)");
    chart.writePng(png);
    var img = ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isEqualTo(chart.width());
    assertThat(img.getHeight()).isEqualTo(chart.height());
    // the first bar (Okabe-Ito blue #0072B2) is drawn somewhere in the plot
    boolean blue = false;
    for (int x = 0; x < img.getWidth() && !blue; x++) {
      for (int y = 60; y < img.getHeight() && !blue; y++) {
        blue = (img.getRGB(x, y) & 0xFFFFFF) == 0x0072B2;
      }
    }
    assertThat(blue).isTrue();
  }

  /** RFC 4180 reader for the test (quotes, doubled quotes, CRLF). */
  static List<List<String>> parseCsv(String s) {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < s.length() && s.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (ch == '"') {
          quoted = false;
        } else {
          cell.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        row.add(cell.toString());
        cell.setLength(0);
      } else if (ch == '\r') {
        // part of CRLF
      } else if (ch == '\n') {
        row.add(cell.toString());
        cell.setLength(0);
        rows.add(row);
        row = new ArrayList<>();
      } else {
        cell.append(ch);
      }
    }
    return rows;
  }
}
