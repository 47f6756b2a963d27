package dev.medadapt.rag.index.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.rag.index.AnalyzerSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.junit.jupiter.api.Test;

class MemoizingTermFilterTest {
  static final String TEXT =
      "The patient's ALL (acute lymphoblastic leukemia) was treated; treating patients’ relapses and the "
          + "Doctor’s notes: It IS what it is. Children's hospitals treat children. Ｐａｔｉｅｎｔ＇ｓ ÉTUDES "
          + "of the of the and 12.5 mg/kg x-ray e-mail John's the the end";

  /** Terms with their position increments and offsets, after {@code end()}'s final increment. */
  static List<String> tokens(Analyzer a, String field, String text) throws IOException {
    List<String> out = new ArrayList<>();
    try (TokenStream ts = a.tokenStream(field, text)) {
      CharTermAttribute t = ts.addAttribute(CharTermAttribute.class);
      PositionIncrementAttribute p = ts.addAttribute(PositionIncrementAttribute.class);
      OffsetAttribute o = ts.addAttribute(OffsetAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(t + "+" + p.getPositionIncrement() + "@" + o.startOffset() + "-" + o.endOffset());
      }
      ts.end();
      out.add("end+" + p.getPositionIncrement() + "@" + o.endOffset());
    }
    return out;
  }

  @Test
  void memoizedAnalysisEqualsThePlainChainForEverySetting() throws IOException {
    for (AnalyzerSettings s :
        List.of(AnalyzerSettings.english(), new AnalyzerSettings("kstem", true), new AnalyzerSettings("none", false),
            new AnalyzerSettings("porter", false))) {
      try (Analyzer memo = s.analyzer();
          Analyzer plain = s.plainAnalyzer()) {
        List<String> expected = tokens(plain, "content", TEXT);
        // twice: the second pass is served from the memo
        assertThat(tokens(memo, "content", TEXT)).as(s.toString()).isEqualTo(expected);
        assertThat(tokens(memo, "title", TEXT)).as(s.toString()).isEqualTo(expected);
      }
    }
  }

  @Test
  void stopWordsAddTheirPositionsToTheNextTermAndAtTheEnd() throws IOException {
    try (Analyzer memo = AnalyzerSettings.english().analyzer()) {
      List<String> t = tokens(memo, "content", "the heart of the matter and the");
      assertThat(t).containsExactly("heart+2@4-9", "matter+3@17-23", "end+2@31");
    }
  }

  @Test
  void seededRandomTextAgreesAndTheMemoStaysBounded() throws IOException {
    long seed = 20261125L;
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    String[] parts = {"the ", "Treat", "ing", "ed", "'s ", " ", "ness", "ALL", "of ", "-", "ation", "s ", "ly ", "’s "};
    for (int i = 0; i < 20_000; i++) {
      sb.append(parts[r.nextInt(parts.length)]);
      if (r.nextInt(5) == 0) {
        sb.append((char) ('a' + r.nextInt(26))).append((char) ('a' + r.nextInt(26))).append(' ');
      }
    }
    String text = sb.toString();
    AnalyzerSettings s = AnalyzerSettings.english();
    try (Analyzer memo = s.analyzer();
        Analyzer plain = s.plainAnalyzer()) {
      assertThat(tokens(memo, "content", text)).as("seed " + seed).isEqualTo(tokens(plain, "content", text));
    }
  }

  @Test
  void memoTableFindsEveryKeyAfterGrowing() {
    MemoizingTermFilter.Memo m = new MemoizingTermFilter.Memo();
    for (int i = 0; i < 50_000; i++) {
      char[] k = ("w" + i).toCharArray();
      m.put(k, ("v" + i).toCharArray(), MemoizingTermFilter.Memo.hash(k, k.length));
    }
    assertThat(m.size()).isEqualTo(50_000);
    for (int i = 0; i < 50_000; i += 997) {
      char[] probe = ("w" + i + "xyz").toCharArray(); // a longer buffer: only the first len chars count
      assertThat(new String(m.get(probe, ("w" + i).length()))).isEqualTo("v" + i);
    }
    assertThat(m.get("absent".toCharArray(), 6)).isNull();
  }
}
