package dev.medadapt.core.llm;

/**
 * Score of one {@link LoglikelihoodRequest}.
 *
 * @param logLikelihood sum of natural-log probabilities of the continuation tokens
 * @param greedy whether every continuation token was the argmax at its position
 * @param tokens number of continuation tokens scored
 */
public record LoglikelihoodResult(double logLikelihood, boolean greedy, int tokens) {}
