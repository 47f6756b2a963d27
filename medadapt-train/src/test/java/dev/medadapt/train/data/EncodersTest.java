package dev.medadapt.train.data;

import dev.medadapt.core.testing.ByteTokenizer;
import static dev.medadapt.train.data.TokenizedSequence.IGNORE_INDEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import java.util.List;
import org.junit.jupiter.api.Test;

class EncodersTest {
  private static final int EOS = 256;
  private final ByteTokenizer tok = new ByteTokenizer();

  private SftEncoder.Builder enc() {
    return SftEncoder.builder().tokenizer(tok).eosTokenId(EOS).maxLength(64);
  }

  @Test
  void completionOnlyMasksPromptAndAppendsEos() {
    TokenizedDataset ds = enc().build().encode(List.of(new SftExample("ab", "cd", "t:1")));
    TokenizedSequence s = ds.sequences().get(0);
    assertThat(s.inputIds()).containsExactly('a', 'b', 'c', 'd', EOS);
    assertThat(s.labels()).containsExactly(IGNORE_INDEX, IGNORE_INDEX, 'c', 'd', EOS);
    assertThat(s.supervisedTargets()).isEqualTo(3);
    assertThat(ds.stats()).isEqualTo(new TokenizationStats(1, 1, 0, 5, 3, 0));
  }

  @Test
  void fullSequenceSupervisesEverything() {
    TokenizedSequence s =
        enc().lossMode(LossMode.FULL_SEQUENCE).build().encode(List.of(new SftExample("ab", "cd", "t:1")))
            .sequences().get(0);
    assertThat(s.labels()).containsExactly('a', 'b', 'c', 'd', EOS);
    assertThat(s.supervisedTargets()).isEqualTo(4);
  }

  @Test
  void truncationIsCountedAndAFullyTruncatedCompletionNamesTheExample() {
    SftEncoder e = enc().maxLength(4).build();
    TokenizedDataset ds = e.encode(List.of(new SftExample("ab", "cdef", "t:1")));
    assertThat(ds.sequences().get(0).inputIds()).containsExactly('a', 'b', 'c', 'd');
    assertThat(ds.stats().truncated()).isEqualTo(1);
    assertThat(ds.stats().droppedTokens()).isEqualTo(3);
    assertThatThrownBy(
            () -> e.encode(List.of(new SftExample("ab", "c", "t:1"), new SftExample("abcdef", "g", "t:2"))))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("example 1 (t:2)")
        .hasMessageContaining("no supervised token");
    // completion starting exactly at the cut: its only supervised label is position 0 of nothing -> error too
    assertThatThrownBy(() -> e.encode(List.of(new SftExample("abcd", "e", "t:9"))))
        .hasMessageContaining("example 0 (t:9)");
  }

  @Test
  void sftPackingKeepsExamplesWholeAndMasksJoins() {
    TokenizedDataset ds =
        enc().maxLength(8).lossMode(LossMode.FULL_SEQUENCE).packing(true).build()
            .encode(
                List.of(
                    new SftExample("a", "b", "1"), new SftExample("c", "d", "2"), new SftExample("efg", "h", "3")));
    // lengths 3, 3, 5 -> packs [3+3], [5]
    assertThat(ds.sequences()).hasSize(2);
    TokenizedSequence p = ds.sequences().get(0);
    assertThat(p.inputIds()).containsExactly('a', 'b', EOS, 'c', 'd', EOS);
    assertThat(p.labels()).containsExactly('a', 'b', EOS, IGNORE_INDEX, 'd', EOS);
    assertThat(ds.stats().sequences()).isEqualTo(2);
    assertThat(ds.stats().examples()).isEqualTo(3);
  }

  @Test
  void cptJoinsDocumentsWithEosIntoFixedBlocks() {
    TokenizedDataset ds = CptEncoder.of(tok, EOS, 4).encode(List.of("abc", "defgh", "ij"));
    // stream: a b c E d e f g h E i j E  (13 tokens) -> 3 blocks of 4, 1 dropped
    assertThat(ds.sequences()).hasSize(3);
    assertThat(ds.sequences().get(0).inputIds()).containsExactly('a', 'b', 'c', EOS);
    assertThat(ds.sequences().get(1).inputIds()).containsExactly('d', 'e', 'f', 'g');
    assertThat(ds.sequences().get(2).inputIds()).containsExactly('h', EOS, 'i', 'j');
    assertThat(ds.sequences().get(2).labels()).containsExactly('h', EOS, 'i', 'j');
    assertThat(ds.stats()).isEqualTo(new TokenizationStats(3, 3, 0, 12, 9, 1));
  }

  @Test
  void batchPadsRightWithIgnoredLabels() {
    Batch b =
        Batch.of(
            List.of(new TokenizedSequence(new int[] {1, 2, 3}, new int[] {1, 2, 3}),
                new TokenizedSequence(new int[] {4}, new int[] {IGNORE_INDEX})),
            EOS);
    assertThat(b.inputIds()).containsExactly(1, 2, 3, 4, EOS, EOS);
    assertThat(b.labels()).containsExactly(1, 2, 3, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX);
    assertThat(b.attentionMask()).containsExactly(1, 1, 1, 1, 0, 0);
    assertThat(b.supervisedTargets()).isEqualTo(2);
  }

  @Test
  void builderValidates() {
    assertThatThrownBy(() -> SftEncoder.builder().tokenizer(tok).eosTokenId(EOS).maxLength(1).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("maxLength must be in [2, 1048576], was 1");
    assertThatThrownBy(() -> SftEncoder.builder().eosTokenId(EOS).maxLength(8).build())
        .hasMessage("tokenizer must be set");
  }
}
