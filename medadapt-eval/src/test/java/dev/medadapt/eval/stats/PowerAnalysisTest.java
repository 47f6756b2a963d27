package dev.medadapt.eval.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.medadapt.core.ConfigurationException;
import org.junit.jupiter.api.Test;

class PowerAnalysisTest {
  private final PowerAnalysis conventional = PowerAnalysis.conventional();

  @Test
  void twoProportionSampleSizeMatchesReferences() {
    // R documentation of power.prop.test: power.prop.test(p1 = .50, p2 = .75, power = .90)
    // "=> n = 76.7" (same equation; by hand 2.189562^2 / 0.0625 = 76.7069).
    assertThat(new PowerAnalysis(0.05, 0.9).twoProportionSampleSizeExact(0.5, 0.25))
        .isCloseTo(76.7069, within(1e-3));
    // p = 0.30 -> 0.35: (1.959964*0.662382 + 0.841621*0.661438)^2 / 0.0025 = 1376.2989
    assertThat(conventional.twoProportionSampleSizeExact(0.30, 0.05)).isCloseTo(1376.2989, within(1e-3));
    assertThat(conventional.twoProportionSampleSize(0.30, 0.05)).isEqualTo(1377);
  }

  @Test
  void powerAtRequiredSizeIsTarget() {
    double n = conventional.twoProportionSampleSizeExact(0.3, 0.05);
    assertThat(conventional.twoProportionPower(0.3, 0.05, (int) Math.ceil(n)))
        .isBetween(0.8, 0.8005);
  }

  @Test
  void minimumDetectableDifference() {
    // scipy brentq on the same power equation: 0.134660 at n = 200, 0.052029 at n = 1273
    assertThat(conventional.minimumDetectableDifference(0.3, 200)).isCloseTo(0.1346605, within(1e-6));
    assertThat(conventional.minimumDetectableDifference(0.3, 1273)).isCloseTo(0.0520292, within(1e-6));
  }

  @Test
  void pairedConnorFormula() {
    // psi = 0.2, delta = 0.05: (1.959964*sqrt(0.2) + 0.841621*sqrt(0.1975))^2 / 0.0025 = 625.547
    assertThat(conventional.pairedSampleSizeExact(0.2, 0.05)).isCloseTo(625.5473, within(1e-3));
    assertThat(conventional.pairedSampleSize(0.2, 0.05)).isEqualTo(626);
    assertThat(conventional.pairedMinimumDetectableDifference(0.2, 200)).isCloseTo(0.0880727, within(1e-6));
    // pairing with little discordance needs far fewer questions than independent samples
    assertThat(conventional.pairedSampleSize(0.2, 0.05)).isLessThan(conventional.twoProportionSampleSize(0.3, 0.05));
  }

  @Test
  void rejectsBadParameters() {
    assertThatThrownBy(() -> new PowerAnalysis(0.05, 1.2))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("power must be in (0, 1), was 1.2");
    assertThatThrownBy(() -> conventional.twoProportionSampleSize(0.98, 0.05))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("delta must be in (0, ");
    assertThatThrownBy(() -> conventional.pairedSampleSize(0.04, 0.05))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("discordant=0.04");
  }
}
