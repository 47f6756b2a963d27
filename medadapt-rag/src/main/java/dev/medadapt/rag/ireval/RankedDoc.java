package dev.medadapt.rag.ireval;

/**
 * One line of a TREC run for a query.
 *
 * @param docId document id
 * @param rank rank as written in the file (trec_eval ignores it and orders by score)
 * @param score retrieval score (higher is better)
 */
public record RankedDoc(String docId, int rank, double score) {}
