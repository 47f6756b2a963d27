package dev.medadapt.rag.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChunkTest {
  @Test
  void contentsFollowsMedragConcat() {
    assertThat(new Chunk("a", "Heart", "Pumps blood.").contents()).isEqualTo("Heart. Pumps blood.");
    assertThat(new Chunk("a", "What is X?", "X is Y.").contents()).isEqualTo("What is X? X is Y.");
    assertThat(new Chunk("a", " Done. ", " text ").contents()).isEqualTo("Done. text");
    assertThat(new Chunk("a", "", "only").contents()).isEqualTo("only");
  }
}
