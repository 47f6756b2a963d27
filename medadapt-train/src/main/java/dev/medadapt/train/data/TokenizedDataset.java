package dev.medadapt.train.data;

import java.util.List;

/** Tokenized training sequences and the statistics of how they were made. */
public record TokenizedDataset(List<TokenizedSequence> sequences, TokenizationStats stats) {
  public TokenizedDataset {
    sequences = List.copyOf(sequences);
  }

  public int size() {
    return sequences.size();
  }
}
