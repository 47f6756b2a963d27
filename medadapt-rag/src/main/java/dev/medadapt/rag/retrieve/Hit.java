package dev.medadapt.rag.retrieve;

/**
 * One retrieved snippet.
 *
 * @param id stable chunk id
 * @param title document title
 * @param content snippet text
 * @param score retriever score (higher is better; scales differ between retrievers)
 */
public record Hit(String id, String title, String content, double score) {}
