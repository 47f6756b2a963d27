package dev.medadapt.rag.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.DataFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatPearlsChunkerTest {
  @TempDir Path dir;

  private static final String LONG_A = "Appendicitis is inflammation of the vermiform appendix. ".repeat(4).strip(); // 223 chars
  private static final String LONG_B = "Pain often begins around the umbilicus and migrates. ".repeat(5).strip();
  private static final String ITEM = "Item text that is deliberately long to force one chunk per item. ".repeat(6).strip();

  private Path write(String name, String body) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(
        p,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<!DOCTYPE book-part PUBLIC \"-//NLM//DTD BITS Book Interchange DTD v2.0 20151225//EN\" \"BITS-book2.dtd\">\n"
            + "<book-part book-part-type=\"chapter\"><book-part-meta><title-group><title>Acute Appendicitis</title>"
            + "</title-group></book-part-meta><body>\n"
            + body
            + "</body></book-part>\n");
    return p;
  }

  @Test
  void followsMedragRules() throws Exception {
    assertThat(LONG_A.length()).isGreaterThanOrEqualTo(200);
    Path f =
        write(
            "NBK1.nxml",
            "<sec id=\"s1\"><title> Introduction </title>\n"
                + "<p>" + LONG_A + "</p>\n"
                + "<p>Short one with <italic>emphasis</italic> here.</p>\n" // < 200: merges into the previous chunk
                + "<p>" + LONG_B + "</p>\n"
                + "</sec>\n"
                + "<sec id=\"s2\"><title>Evaluation</title>\n"
                + "<p><bold>Laboratory Tests</bold></p>\n" // subtitle
                + "<p>Short after subtitle.</p>\n" // new chunk (a subtitle resets merging)
                + "<list list-type=\"bullet\"><list-item><p>CBC</p></list-item><list-item><p>CRP</p></list-item></list>\n"
                + "<p><bold>Imaging</bold></p>\n"
                + "<list><list-item><p>Ultrasound</p></list-item><list-item><p>CT</p></list-item></list>\n"
                + "<p>" + LONG_A + "</p>\n" // prefix was reset after a list that followed a subtitle
                + "<list><list-item><p>" + ITEM + "</p></list-item><list-item><p>" + ITEM + "</p></list-item><list-item><p>" + ITEM
                + "</p></list-item></list>\n" // 3 x 395 chars >= 1000: one chunk per item
                + "</sec>\n");
    List<Chunk> chunks = new StatPearlsChunker().chunk(f);
    String t1 = "Acute Appendicitis -- Introduction";
    String t2 = "Acute Appendicitis -- Evaluation";
    assertThat(chunks)
        .containsExactly(
            new Chunk("NBK1_0", t1, LONG_A + " Short one with emphasis here."),
            new Chunk("NBK1_1", t1, LONG_B),
            new Chunk("NBK1_2", t2 + " -- Laboratory Tests", "Short after subtitle. CBC CRP"),
            new Chunk("NBK1_3", t2 + " -- Imaging", "Ultrasound CT"),
            new Chunk("NBK1_4", t2, LONG_A),
            new Chunk("NBK1_5", t2, ITEM),
            new Chunk("NBK1_6", t2, ITEM),
            new Chunk("NBK1_7", t2, ITEM));
    assertThat(chunks.get(3).contents()).isEqualTo("Acute Appendicitis -- Evaluation -- Imaging. Ultrasound CT");
  }

  @Test
  void shortParagraphDoesNotMergeWhenTheResultWouldReach1000() throws Exception {
    String big = "x".repeat(900);
    String small = "y".repeat(100); // 900 + 100 = 1000, not < 1000
    Path f = write("NBK2.nxml", "<sec><title>S</title><p>" + big + "</p><p>" + small + "</p></sec>");
    assertThat(new StatPearlsChunker().chunk(f)).extracting(Chunk::content).containsExactly(big, small);
  }

  @Test
  void externalEntitiesAreNotResolved() throws Exception {
    Path secret = dir.resolve("secret.txt");
    Files.writeString(secret, "TOPSECRET");
    Path f = dir.resolve("NBK3.nxml");
    Files.writeString(
        f,
        "<?xml version=\"1.0\"?>\n<!DOCTYPE book-part [<!ENTITY xxe SYSTEM \"" + secret.toUri() + "\">]>\n"
            + "<book-part><title>T</title><sec><title>S</title><p>before &xxe; after</p></sec></book-part>");
    List<Chunk> chunks = new StatPearlsChunker().chunk(f);
    assertThat(chunks).hasSize(1);
    assertThat(chunks.get(0).content()).doesNotContain("TOPSECRET").contains("before").contains("after");
  }

  @Test
  void malformedXmlNamesFileAndLine() throws Exception {
    Path f = dir.resolve("bad.nxml");
    Files.writeString(f, "<book-part>\n<title>T</title>\n<sec><title>S</title><p>open</sec></book-part>");
    assertThatThrownBy(() -> new StatPearlsChunker().chunk(f))
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(f + ":3: malformed XML");
  }
}
