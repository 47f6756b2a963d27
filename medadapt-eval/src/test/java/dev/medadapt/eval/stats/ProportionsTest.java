package dev.medadapt.eval.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.medadapt.core.ConfigurationException;
import org.junit.jupiter.api.Test;

class ProportionsTest {

  @Test
  void wilsonFor62Of200MatchesHandComputation() {
    // Worked by hand from Wilson (1927): z = 1.959964, p = 0.31, n = 200,
    // centre = (p + z^2/2n) / (1 + z^2/n) = 0.3195036 / 1.0192073 = 0.313483,
    // half = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n) = 0.0648125 / 1.0192073 = 0.063591,
    // so [0.249989, 0.377172] (scipy's norm.ppf gives 0.2499894484, 0.3771717757).
    Interval ci = Proportions.wilson(62, 200, 0.95);
    assertThat(ci.estimate()).isEqualTo(0.31);
    assertThat(ci.low()).isCloseTo(0.2499894484, within(1e-9));
    assertThat(ci.high()).isCloseTo(0.3771717757, within(1e-9));
    assertThat(ci.method()).isEqualTo("wilson");
    // the "about +-6.5 points at n = 200"
    assertThat(ci.halfWidth()).isCloseTo(0.0636, within(1e-4));
  }

  @Test
  void clopperPearsonFor62Of200MatchesBetaQuantiles() {
    // Beta(62, 139) 2.5% and Beta(63, 138) 97.5% quantiles (scipy.stats.beta.ppf).
    Interval ci = Proportions.clopperPearson(62, 200, 0.95);
    assertThat(ci.low()).isCloseTo(0.2466580374, within(1e-8));
    assertThat(ci.high()).isCloseTo(0.3790770405, within(1e-8));
    // exact interval is wider than Wilson's
    Interval w = Proportions.wilson(62, 200, 0.95);
    assertThat(ci.low()).isLessThan(w.low());
    assertThat(ci.high()).isGreaterThan(w.high());
  }

  @Test
  void edgesStayInsideUnitInterval() {
    Interval zero = Proportions.wilson(0, 20, 0.95);
    assertThat(zero.low()).isEqualTo(0.0);
    // Wilson upper bound at x = 0 is z^2 / (n + z^2) = 3.841459 / 23.841459
    assertThat(zero.high()).isCloseTo(3.841459 / 23.841459, within(1e-6));
    Interval all = Proportions.clopperPearson(20, 20, 0.95);
    assertThat(all.high()).isEqualTo(1.0);
    // exact lower bound at x = n is (alpha/2)^(1/n)
    assertThat(all.low()).isCloseTo(Math.pow(0.025, 1.0 / 20), within(1e-9));
    Interval cp0 = Proportions.clopperPearson(0, 20, 0.95);
    assertThat(cp0.low()).isEqualTo(0.0);
    assertThat(cp0.high()).isCloseTo(1 - Math.pow(0.025, 1.0 / 20), within(1e-9));
  }

  @Test
  void rejectsImpossibleCounts() {
    assertThatThrownBy(() -> Proportions.wilson(201, 200, 0.95))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("successes must be in [0, 200], was 201");
    assertThatThrownBy(() -> Proportions.wilson(1, 2, 1.5))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("level must be in (0, 1)");
  }
}
