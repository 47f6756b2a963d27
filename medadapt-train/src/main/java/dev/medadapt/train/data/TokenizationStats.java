package dev.medadapt.train.data;

/**
 * What tokenization did to a data set.
 *
 * @param examples input examples (or documents, for CPT)
 * @param sequences sequences produced (after packing, if any)
 * @param truncated examples cut at the maximum length
 * @param tokens tokens in the produced sequences
 * @param supervisedTargets loss targets in the produced sequences (after the causal shift)
 * @param droppedTokens tokens thrown away: cut by truncation, or the tail of the packed stream shorter than a block
 */
public record TokenizationStats(
    int examples, int sequences, int truncated, long tokens, long supervisedTargets, long droppedTokens) {}
