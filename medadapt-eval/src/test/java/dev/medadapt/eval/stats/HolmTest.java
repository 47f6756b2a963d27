package dev.medadapt.eval.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HolmTest {

  @Test
  void handExample() {
    // m = 4, p = (0.01, 0.04, 0.03, 0.005). Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06,
    // 0.04*1 = 0.04 -> raised to the running maximum 0.06. In input order: 0.03, 0.06, 0.06, 0.02.
    double[] adj = Holm.adjust(new double[] {0.01, 0.04, 0.03, 0.005});
    assertThat(adj[0]).isCloseTo(0.03, within(1e-15));
    assertThat(adj[1]).isCloseTo(0.06, within(1e-15));
    assertThat(adj[2]).isCloseTo(0.06, within(1e-15));
    assertThat(adj[3]).isCloseTo(0.02, within(1e-15));
    assertThat(Holm.reject(new double[] {0.01, 0.04, 0.03, 0.005}, 0.05))
        .containsExactly(true, false, false, true);
  }

  @Test
  void capsAtOneAndKeepsTies() {
    double[] adj = Holm.adjust(new double[] {0.5, 0.5, 0.9});
    assertThat(adj).containsExactly(1.0, 1.0, 1.0);
    assertThat(Holm.adjust(new double[] {0.2})).containsExactly(0.2);
    assertThat(Holm.adjust(new double[0])).isEmpty();
  }
}
