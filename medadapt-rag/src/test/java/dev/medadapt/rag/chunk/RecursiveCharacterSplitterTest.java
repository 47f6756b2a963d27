package dev.medadapt.rag.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecursiveCharacterSplitterTest {

  @Test
  void matchesLangChainsIterativeSplitterCase() {
    // LangChain's own expectation (libs/text-splitters/tests/unit_tests/test_text_splitters.py,
    // test_iterative_text_splitter): chunk_size=10, chunk_overlap=1.
    String text =
        "Hi.\n\nI'm Harrison.\n\nHow? Are? You?\nOkay then f f f f.\n"
            + "This is a weird text to write, but gotta test the splittingggg some how.\n\n"
            + "Bye!\n\n-H.";
    RecursiveCharacterSplitter s = RecursiveCharacterSplitter.builder().chunkSize(10).chunkOverlap(1).build();
    assertThat(s.split(text))
        .containsExactly(
            "Hi.", "I'm", "Harrison.", "How? Are?", "You?", "Okay then", "f f f f.", "This is a", "weird",
            "text to", "write,", "but gotta", "test the", "splitting", "gggg", "some how.", "Bye!", "-H.");
  }

  @Test
  void overlapCarriesWholeWords() {
    // Hand-traced: pieces "a1", " b2", " c3", " d4", " e5" (lengths 2,3,3,3,3), size 8, overlap 3.
    // [a1 b2] (5) + " c3" = 8 fits; + " d4" = 11 > 8 -> emit "a1 b2 c3", pop to <= 3 -> [" c3"];
    // " c3 d4" (6) + " e5" = 9 > 8 -> emit "c3 d4", pop -> [" d4"]; end: "d4 e5".
    RecursiveCharacterSplitter s = RecursiveCharacterSplitter.builder().chunkSize(8).chunkOverlap(3).build();
    assertThat(s.split("a1 b2 c3 d4 e5")).containsExactly("a1 b2 c3", "c3 d4", "d4 e5");
  }

  @Test
  void textWithoutSeparatorsIsCutIntoOverlappingWindows() {
    String text = "x".repeat(2500);
    List<String> parts = RecursiveCharacterSplitter.builder().build().split(text);
    // windows start at 0, 800, 1600 (step 1000 - 200); the last one reaches the end.
    assertThat(parts).extracting(String::length).containsExactly(1000, 1000, 900);
  }

  @Test
  void medragDefaultsAndRandomTextRespectTheLimitAndKeepAllWords() {
    Random r = new Random(42);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      sb.append("w").append(r.nextInt(1000));
      sb.append(r.nextInt(20) == 0 ? "\n\n" : r.nextInt(10) == 0 ? "\n" : " ");
    }
    RecursiveCharacterSplitter s = RecursiveCharacterSplitter.builder().build();
    assertThat(s.chunkSize()).isEqualTo(1000);
    assertThat(s.chunkOverlap()).isEqualTo(200);
    List<String> parts = s.split(sb.toString());
    assertThat(parts).allSatisfy(p -> assertThat(p.length()).isBetween(1, 1000));
    // every word of the input appears in order in the de-overlapped output
    String joined = String.join(" ", parts);
    for (String w : sb.toString().split("\\s+")) {
      assertThat(joined).contains(w);
    }
  }

  @Test
  void builderValidates() {
    assertThatThrownBy(() -> RecursiveCharacterSplitter.builder().chunkSize(100).chunkOverlap(100).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("chunkOverlap must be in [0, 99], was 100");
  }
}
