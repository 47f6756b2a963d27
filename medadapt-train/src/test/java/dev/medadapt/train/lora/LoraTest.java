package dev.medadapt.train.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.medadapt.core.ConfigurationException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoraTest {

  @Test
  void scalingFollowsPeft() {
    LoraConfig rs = LoraConfig.builder().rank(16).alpha(32).rsLora(true).targetModules(LoraConfig.ALL_PROJECTIONS).build();
    assertThat(rs.scaling()).isEqualTo(32 / 4.0);
    LoraConfig plain = LoraConfig.builder().rank(16).alpha(32).targetModules("q_proj").build();
    assertThat(plain.scaling()).isEqualTo(2.0);
  }

  @Test
  void targetsMatchBySuffixLikePeft() {
    LoraConfig c = LoraConfig.builder().targetModules("q_proj", "embed_tokens", "lm_head").build();
    assertThat(c.targets("model.layers.3.self_attn.q_proj")).isTrue();
    assertThat(c.targets("model.layers.3.self_attn.k_proj")).isFalse();
    assertThat(c.targets("model.embed_tokens")).isTrue();
    assertThat(c.targets("lm_head")).isTrue();
    assertThat(c.targets("model.layers.3.self_attn.xq_proj")).isFalse();
  }

  @Test
  void builderValidates() {
    assertThatThrownBy(() -> LoraConfig.builder().rank(0).targetModules("q_proj").build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("loraRank must be in [1, 1024], was 0");
    assertThatThrownBy(() -> LoraConfig.builder().dropout(1.0).targetModules("q_proj").build())
        .hasMessage("loraDropout must be in [0, 1), was 1.0");
    assertThatThrownBy(() -> LoraConfig.builder().targetModules("qkv").build())
        .hasMessageContaining("'qkv' is not supported");
    assertThatThrownBy(() -> LoraConfig.builder().build()).hasMessage("targetModules must be set");
  }

  @Test
  void linearInitIsKaimingUniformAndBZero() {
    int in = 256;
    int r = 16;
    LoraPair p = new LoraInitializer(4242).linear("model.layers.0.self_attn.q_proj", in, 64, r);
    assertThat(p.a().shape()).containsExactly(r, in);
    assertThat(p.b().shape()).containsExactly(64, r);
    double bound = 1 / Math.sqrt(in); // kaiming_uniform_(a=sqrt(5)): sqrt(3)*sqrt(2/6)/sqrt(fan_in)
    double sum = 0;
    double sq = 0;
    double max = 0;
    for (float v : p.a().data()) {
      sum += v;
      sq += v * v;
      max = Math.max(max, Math.abs(v));
    }
    int n = p.a().data().length;
    assertThat(max).isLessThanOrEqualTo(bound).isGreaterThan(0.99 * bound);
    assertThat(sum / n).isCloseTo(0, within(4 * bound / Math.sqrt(3 * n)));
    // variance of U(-b, b) is b^2/3; 4096 draws -> relative sd of the estimate ~ 2%
    assertThat(sq / n).isCloseTo(bound * bound / 3, within(0.1 * bound * bound / 3));
    for (float v : p.b().data()) {
      assertThat(v).isZero();
    }
  }

  @Test
  void embeddingInitIsZeroAAndNormalB() {
    LoraPair p = new LoraInitializer(1).embedding("model.embed_tokens", 100, 64, 8);
    assertThat(p.a().shape()).containsExactly(8, 100);
    assertThat(p.b().shape()).containsExactly(64, 8);
    for (float v : p.a().data()) {
      assertThat(v).isZero();
    }
    double sum = 0;
    double sq = 0;
    for (float v : p.b().data()) {
      sum += v;
      sq += v * v;
    }
    int n = p.b().data().length;
    assertThat(sum / n).isCloseTo(0, within(4 / Math.sqrt(n)));
    assertThat(sq / n).isCloseTo(1, within(0.2));
  }

  @Test
  void initIsSeededPerModule() {
    LoraInitializer a = new LoraInitializer(7);
    assertThat(a.linear("m.q_proj", 8, 8, 2)).isEqualTo(new LoraInitializer(7).linear("m.q_proj", 8, 8, 2));
    assertThat(a.linear("m.q_proj", 8, 8, 2).a()).isNotEqualTo(a.linear("m.k_proj", 8, 8, 2).a());
    assertThat(a.linear("m.q_proj", 8, 8, 2).a()).isNotEqualTo(new LoraInitializer(8).linear("m.q_proj", 8, 8, 2).a());
  }

  @Test
  void trainableParameterCount() {
    LoraInitializer init = new LoraInitializer(1);
    LoraAdapter ad =
        new LoraAdapter(
            LoraConfig.builder().rank(4).targetModules("q_proj", "embed_tokens").build(),
            Map.of("model.layers.0.self_attn.q_proj", init.linear("q", 64, 32, 4),
                "model.embed_tokens", init.embedding("e", 100, 64, 4)));
    assertThat(ad.trainableParameters()).isEqualTo(4 * 64 + 32 * 4 + 4 * 100 + 64 * 4);
    assertThat(ad.describeTrainable(10_000)).isEqualTo("trainable params: 1,040 || all params: 11,040 || trainable%: 9.4203");
  }
}
