package dev.medadapt.train.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.train.SftTrainer;
import org.junit.jupiter.api.Test;

class LoraConfigTest {

  @Test
  void toBuilderCopiesEveryValueAndChangesOnlyWhatIsSet() {
    LoraConfig recipe = SftTrainer.referenceLora();
    assertThat(recipe.toBuilder().build()).isEqualTo(recipe);
    LoraConfig r8 = recipe.toBuilder().rank(8).build();
    assertThat(r8).isEqualTo(new LoraConfig(8, recipe.alpha(), recipe.dropout(), recipe.rsLora(),
        recipe.targetModules()));
    assertThat(recipe.rank()).isEqualTo(16); // the original is unchanged
  }

  @Test
  void toBuilderValidatesAgainAtBuild() {
    assertThatThrownBy(() -> SftTrainer.referenceLora().toBuilder().rank(0).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("loraRank");
  }
}
