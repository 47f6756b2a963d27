package dev.medadapt.eval.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.eval.bench.Question;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IrSolverTest {
  private static final Question Q = new Question("q1", "t", "Anticoagulant for DVT?",
      List.of("insulin", "heparin", "aspirin", "metformin"), "B", null);

  @Test
  void choosesTheOptionWhoseBestHitScoresHighest() {
    List<String> queries = new ArrayList<>();
    Map<String, Double> scores = Map.of("insulin", 1.5, "heparin", 7.25, "aspirin", 3.0, "metformin", 0.5);
    IrSolver s = new IrSolver(query -> {
      queries.add(query);
      return scores.get(query.substring(query.lastIndexOf(' ') + 1));
    });
    IrSolver.Answer a = s.answer(Q);
    assertThat(a.letter()).isEqualTo("B");
    assertThat(a.correct()).isTrue();
    assertThat(a.tied()).isFalse();
    assertThat(a.scores()).containsExactly(1.5, 7.25, 3.0, 0.5);
    assertThat(queries).containsExactly("Anticoagulant for DVT? insulin", "Anticoagulant for DVT? heparin",
        "Anticoagulant for DVT? aspirin", "Anticoagulant for DVT? metformin");
  }

  @Test
  void tiesGoToTheFirstAndAreFlagged() {
    IrSolver.Answer a = new IrSolver(q -> q.endsWith("aspirin") || q.endsWith("metformin") ? 4.0 : 1.0).answer(Q);
    assertThat(a.letter()).isEqualTo("C");
    assertThat(a.tied()).isTrue();
    IrSolver.Answer none = new IrSolver(q -> Double.NEGATIVE_INFINITY).answer(Q);
    assertThat(none.letter()).isEqualTo("A");
    assertThat(none.tied()).isTrue();
    assertThat(none.correct()).isFalse();
  }

  @Test
  void optionAwareScorersGetQuestionAndOptionSeparately() {
    List<String> seen = new ArrayList<>();
    PassageScorer s = new PassageScorer() {
      @Override
      public double bestScore(String query) {
        throw new AssertionError("the two-argument form must be used");
      }

      @Override
      public double bestScore(String question, String option) {
        seen.add(question + "|" + option);
        return option.length();
      }
    };
    assertThat(new IrSolver(s).answer(Q).letter()).isEqualTo("D"); // "metformin" is longest
    assertThat(seen).startsWith("Anticoagulant for DVT?|insulin");
  }

  @Test
  void nanIsAnError() {
    assertThatThrownBy(() -> new IrSolver(q -> Double.NaN).answer(Q)).hasMessageContaining("q1 option A");
  }

  @Test
  void answerAllReportsProgress() {
    List<Double> acc = new ArrayList<>();
    List<IrSolver.Answer> out = new IrSolver(q -> q.endsWith("heparin") ? 2 : 1)
        .answerAll(List.of(Q, Q), p -> acc.add((Double) p.metrics().get("accuracy")));
    assertThat(out).hasSize(2).allMatch(IrSolver.Answer::correct);
    assertThat(acc).containsExactly(1.0, 1.0);
  }
}
