package dev.medadapt.rag.ireval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.rag.retrieve.Hit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IrMetricsTest {
  @TempDir Path tmp;

  private static final double LOG2_3 = Math.log(3) / Math.log(2);
  private static final double LOG2_5 = Math.log(5) / Math.log(2);

  private Path qrels() throws Exception {
    return Files.writeString(tmp.resolve("qrels.txt"),
        "q1 0 d1 2\nq1 0 d2 1\nq1 0 d3 0\nq1 0 d4 1\nq2 0 da 1\nq4 0 dx 1\n");
  }

  private Path run() throws Exception {
    // q1 listed out of score order with wrong ranks: trec_eval orders by score
    return Files.writeString(tmp.resolve("r.run"),
        "q1 Q0 d5 1 3.0 t\nq1 Q0 d3 2 5.0 t\nq1 Q0 d2 3 2.0 t\nq1 Q0 d1 4 4.0 t\n"
            + "q2 Q0 da 1 1.0 t\nq2 Q0 db 2 1.0 t\n"
            + "q3 Q0 dz 1 1.0 t\n");
  }

  @Test
  void handComputedQuery() throws Exception {
    TrecRun run = TrecRun.read(run());
    Qrels q = Qrels.read(qrels());
    List<RankedDoc> r = run.ranking("q1");
    assertThat(r).extracting(RankedDoc::docId).containsExactly("d3", "d1", "d5", "d2");
    Map<String, Integer> j = q.judgments().get("q1");
    // ranks: d3 (0), d1 (2), d5 (unjudged), d2 (1); ideal grades 2, 1, 1, 0
    double dcg3 = 2 / LOG2_3;
    double idcg3 = 2 + 1 / LOG2_3 + 1 / 2.0;
    assertThat(IrMetrics.ndcg(r, j, 3)).isCloseTo(dcg3 / idcg3, within(1e-12));
    assertThat(IrMetrics.ndcg(r, j, 3)).isCloseTo(0.4030303, within(1e-6));
    assertThat(IrMetrics.ndcg(r, j, 5)).isCloseTo((dcg3 + 1 / LOG2_5) / idcg3, within(1e-12));
    assertThat(IrMetrics.recall(r, j, 3)).isCloseTo(1 / 3.0, within(1e-12));
    assertThat(IrMetrics.recall(r, j, 5)).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(IrMetrics.mrr(r, j, 1)).isZero();
    assertThat(IrMetrics.mrr(r, j, 3)).isEqualTo(0.5);
    assertThat(IrMetrics.averagePrecision(r, j)).isCloseTo((1 / 2.0 + 2 / 4.0) / 3, within(1e-12));
  }

  @Test
  void tiesFollowTrecEvalAndAveragesUseQueriesInBoth() throws Exception {
    TrecRun run = TrecRun.read(run());
    Qrels q = Qrels.read(qrels());
    // equal scores: trec_eval puts the larger docno first
    assertThat(run.ranking("q2")).extracting(RankedDoc::docId).containsExactly("db", "da");
    IrEvaluation e = IrMetrics.evaluate(run, q, List.of(1, 10));
    assertThat(e.perQuery().keySet()).containsExactly("q1", "q2"); // q3 unjudged, q4 not run
    assertThat(e.perQuery().get("q2").get("mrr@1")).isZero();
    assertThat(e.perQuery().get("q2").get("mrr@10")).isEqualTo(0.5);
    double ndcgQ2 = 1 / LOG2_3;
    double ndcgQ1 = (2 / LOG2_3 + 1 / LOG2_5) / (2 + 1 / LOG2_3 + 0.5);
    assertThat(e.mean().get("ndcg@10")).isCloseTo((ndcgQ1 + ndcgQ2) / 2, within(1e-12));
    assertThat(e.mean().get("map")).isCloseTo(((1 / 2.0 + 2 / 4.0) / 3 + 0.5) / 2, within(1e-12));
    assertThat(e.mean().keySet()).containsExactly("ndcg@1", "ndcg@10", "recall@1", "recall@10", "mrr@1", "mrr@10", "map");
  }

  @Test
  void noRelevantDocumentsGiveZeroAndDisjointIdsAreAnError() {
    List<RankedDoc> r = List.of(new RankedDoc("a", 1, 1));
    Map<String, Integer> none = Map.of("a", 0);
    assertThat(IrMetrics.ndcg(r, none, 10)).isZero();
    assertThat(IrMetrics.recall(r, none, 10)).isZero();
    assertThat(IrMetrics.averagePrecision(r, none)).isZero();
    TrecRun run = new TrecRun(Map.of("x", r));
    Qrels q = new Qrels(Map.of("y", Map.of("a", 1)));
    assertThatThrownBy(() -> IrMetrics.evaluate(run, q, List.of(10)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("do not overlap");
  }

  @Test
  void runWriterRoundTripsAndBadFilesNameTheLine() throws Exception {
    Path f = tmp.resolve("out/run.txt");
    try (TrecRunWriter w = new TrecRunWriter(f, "bm25")) {
      w.write("q1", List.of(new Hit("d1", "t", "c", 12.5), new Hit("d2", "t", "c", 3.25)));
    }
    assertThat(Files.readAllLines(f)).containsExactly("q1 Q0 d1 1 12.500000 bm25", "q1 Q0 d2 2 3.250000 bm25");
    assertThat(TrecRun.read(f).ranking("q1")).containsExactly(new RankedDoc("d1", 1, 12.5), new RankedDoc("d2", 2, 3.25));
    try (TrecRunWriter w = new TrecRunWriter(tmp.resolve("x.run"), "t")) {
      assertThatThrownBy(() -> w.write("q", List.of(new Hit("has space", "", "", 1))))
          .isInstanceOf(DataFormatException.class)
          .hasMessageContaining("contains whitespace");
    }
    Path bad = Files.writeString(tmp.resolve("bad.run"), "q1 Q0 d1 1 1.0 t\nq1 Q0 d2 x 1.0 t\n");
    assertThatThrownBy(() -> TrecRun.read(bad)).isInstanceOf(DataFormatException.class).hasMessageStartingWith(bad + ":2: rank and score");
    Path badQrels = Files.writeString(tmp.resolve("bad.qrels"), "q1 0 d1 1\nq1 d1\n");
    assertThatThrownBy(() -> Qrels.read(badQrels)).isInstanceOf(DataFormatException.class).hasMessageStartingWith(badQrels + ":2: expected");
    Path beir = Files.writeString(tmp.resolve("test.tsv"), "query-id\tcorpus-id\tscore\nq1\td9\t2\n");
    assertThat(Qrels.read(beir).grade("q1", "d9")).isEqualTo(2);
  }
}
