package dev.medadapt.rag.index.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.core.testing.TestResources;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.index.AnalyzerSettings;
import java.nio.file.Path;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.junit.jupiter.api.Test;

/**
 * Real data (needs {@code -Dmedadapt.data=PATH}): over every MedQuAD passage, the memoized English
 * analysis gives the same terms, position increments and offsets as Lucene's plain filter chain.
 */
class MemoizingAnalysisIT {
  @Test
  void everyMedQuadPassageAnalyzesExactlyAsThePlainChain() throws Exception {
    Path jsonl = TestResources.sharedData("medquad/medquad_medrag.jsonl");
    AnalyzerSettings s = AnalyzerSettings.english();
    long passages = 0;
    long tokens = 0;
    try (Analyzer memo = s.analyzer();
        Analyzer plain = s.plainAnalyzer();
        ChunkSource src = Corpora.open(List.of(jsonl), BadRowPolicy.FAIL)) {
      for (Chunk c; (c = src.next()) != null; ) {
        for (String text : List.of(c.title(), c.content())) {
          List<String> want = MemoizingTermFilterTest.tokens(plain, "contents", text);
          assertThat(MemoizingTermFilterTest.tokens(memo, "contents", text)).as(c.id()).isEqualTo(want);
          tokens += want.size();
        }
        passages++;
      }
    }
    assertThat(passages).isEqualTo(16_407);
    assertThat(tokens).isGreaterThan(1_000_000);
  }
}
