package dev.medadapt.rag.retrieve;

/** A candidate before its stored text is loaded: chunk id and retriever score. */
record ScoredId(String id, double score) {}
