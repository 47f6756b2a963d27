package dev.medadapt.eval.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class McNemarTest {

  @Test
  void fagerlandAirwayExample() {
    // Fagerland, Lydersen and Laake (2013), BMC Med Res Methodol 13:91, Table 1 (Bentur et al.
    // 2009): AHR before/after stem cell transplantation in 21 children: 1 / 1 / 7 / 12.
    // Discordant pairs 1 and 7; the paper reports the exact conditional p-value as 0.070.
    // By hand: 2 * P(X <= 1 | 8, 1/2) = 2 * (1 + 8) / 256 = 0.0703125.
    double p = McNemar.exactPValue(1, 7);
    assertThat(p).isCloseTo(18.0 / 256, within(1e-15));
    assertThat(Math.round(p * 1000) / 1000.0).isEqualTo(0.070);
    assertThat(McNemar.exactPValue(7, 1)).isCloseTo(p, within(1e-15));
  }

  @Test
  void agrestiPresidentialApproval() {
    // Agresti (2002), Categorical Data Analysis 2nd ed., Table 10.1: 794 / 150 / 86 / 570.
    // Exact two-sided binomial p for 86 of 236 at 1/2 is 3.7159e-05 (scipy.stats.binomtest).
    assertThat(McNemar.exactPValue(150, 86)).isCloseTo(3.7159361395713866e-05, within(1e-12));
  }

  @Test
  void noDiscordantPairsOrBalancedGiveOne() {
    assertThat(McNemar.exactPValue(0, 0)).isEqualTo(1.0);
    assertThat(McNemar.exactPValue(5, 5)).isEqualTo(1.0);
  }

  @Test
  void pairedComparisonCountsCells() {
    boolean[] a = {true, true, false, false, true, false, true, true};
    boolean[] b = {true, false, true, false, false, false, true, false};
    PairedComparison c = PairedComparison.of(a, b, new Bootstrap(1000, 7), 0.95);
    assertThat(c.bothCorrect()).isEqualTo(2);
    assertThat(c.onlyA()).isEqualTo(3);
    assertThat(c.onlyB()).isEqualTo(1);
    assertThat(c.bothWrong()).isEqualTo(2);
    assertThat(c.accuracyA()).isEqualTo(5 / 8.0);
    assertThat(c.accuracyB()).isEqualTo(3 / 8.0);
    assertThat(c.difference().estimate()).isEqualTo(0.25);
    // 2 * P(X <= 1 | 4, 1/2) = 2 * 5 / 16
    assertThat(c.mcnemarP()).isCloseTo(10.0 / 16, within(1e-15));
  }
}
