package dev.medadapt.train.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class MetricsTest {
  @TempDir Path tmp;

  private static List<StepMetrics> run() {
    List<StepMetrics> ms = new ArrayList<>();
    for (int s = 1; s <= 20; s++) {
      Double eval = s % 5 == 0 ? 3.0 / s + 0.5 : null;
      ms.add(new StepMetrics(s, 0, 4.0 / Math.sqrt(s), 1e-4 * s / 20, 0.5, 256, 1000.0 + s, eval));
    }
    return ms;
  }

  private static Document parse(String svg) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void svgIsWellFormedDeterministicAndHasBothCurves() throws Exception {
    String svg = LossCurveSvg.render(run(), "SFT <tiny> & co");
    assertThat(LossCurveSvg.render(run(), "SFT <tiny> & co")).isEqualTo(svg);
    Document d = parse(svg);
    assertThat(d.getDocumentElement().getLocalName()).isEqualTo("svg");
    assertThat(d.getDocumentElement().getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
    Element train = d.getElementById("train") != null ? d.getElementById("train") : find(d, "train");
    Element eval = find(d, "eval");
    assertThat(train.getAttribute("points").split(" ")).hasSize(20);
    assertThat(eval.getAttribute("points").split(" ")).hasSize(4);
    // falling loss: the first train point is drawn higher (smaller y) than the last
    String[] pts = train.getAttribute("points").split(" ");
    double yFirst = Double.parseDouble(pts[0].split(",")[1]);
    double yLast = Double.parseDouble(pts[19].split(",")[1]);
    assertThat(yFirst).isLessThan(yLast);
    // every point is inside the plot area
    for (String p : pts) {
      double x = Double.parseDouble(p.split(",")[0]);
      double y = Double.parseDouble(p.split(",")[1]);
      assertThat(x).isBetween(70.0, 780.0);
      assertThat(y).isBetween(40.0, 400.0);
    }
    assertThat(svg).contains("SFT &lt;tiny&gt; &amp; co");
  }

  @Test
  void degenerateInputsStillGiveValidSvg() throws Exception {
    parse(LossCurveSvg.render(List.of(), "empty"));
    String one = LossCurveSvg.render(List.of(new StepMetrics(1, 0, 2.0, 0, 0, 1, 1, null)), "one");
    assertThat(find(parse(one), "train").getAttribute("points")).doesNotContain("NaN");
    String nan = LossCurveSvg.render(List.of(new StepMetrics(1, 0, Double.NaN, 0, 0, 1, 1, null),
        new StepMetrics(2, 0, 1.0, 0, 0, 1, 1, null)), "nan");
    assertThat(nan).contains("1 non-finite loss value(s) not drawn").doesNotContain("NaN,");
    parse(nan);
  }

  @Test
  void csvAndJsonlHoldEveryStepAndResumeRewritesHistory() throws Exception {
    List<StepMetrics> ms = run();
    try (MetricsLog log = new MetricsLog(tmp, "t", ms.subList(0, 5))) {
      log.append(ms.get(5));
      log.writeCurves();
    }
    List<String> csv = Files.readAllLines(tmp.resolve("metrics.csv"));
    assertThat(csv).hasSize(7);
    assertThat(csv.get(0)).isEqualTo(MetricsLog.CSV_HEADER);
    assertThat(csv.get(5)).isEqualTo("5,0," + 4.0 / Math.sqrt(5) + "," + 1e-4 * 5 / 20 + ",0.5,256,1005.0," + (3.0 / 5 + 0.5) + ",");
    assertThat(csv.get(1)).endsWith(",");
    List<String> jsonl = Files.readAllLines(tmp.resolve("metrics.jsonl"));
    assertThat(jsonl).hasSize(6);
    assertThat(jsonl.get(0)).contains("\"step\":1").contains("\"eval_loss\":null");
    assertThat(tmp.resolve("loss.svg")).exists();
    // the PNG is the same chart: decodable, same size as the SVG, with the train curve's color in it
    java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(tmp.resolve("loss.png").toFile());
    assertThat(png.getWidth()).isEqualTo(800);
    assertThat(png.getHeight()).isEqualTo(450);
    assertThat(png.getRGB(0, 0) & 0xffffff).as("white background").isEqualTo(0xffffff);
    boolean trainColor = false;
    for (int x = 0; x < png.getWidth() && !trainColor; x++) {
      for (int y = 0; y < png.getHeight() && !trainColor; y++) {
        trainColor = (png.getRGB(x, y) & 0xffffff) == 0x1f77b4;
      }
    }
    assertThat(trainColor).as("train curve drawn in the PNG").isTrue();
    // a resumed run reopens with its checkpoint's history: steps after it disappear
    try (MetricsLog log = new MetricsLog(tmp, "t", ms.subList(0, 3))) {
      assertThat(log.history()).hasSize(3);
    }
    assertThat(Files.readAllLines(tmp.resolve("metrics.csv"))).hasSize(4);
  }

  private static Element find(Document d, String id) {
    var nodes = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "polyline");
    for (int i = 0; i < nodes.getLength(); i++) {
      Element e = (Element) nodes.item(i);
      if (id.equals(e.getAttribute("id"))) {
        return e;
      }
    }
    throw new AssertionError("no polyline " + id);
  }
}
