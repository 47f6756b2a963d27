package dev.medadapt.rag.chunk;

import java.util.List;

/** Splits one document's text into chunk-sized pieces, in document order. */
@FunctionalInterface
public interface TextSplitter {

  /** The pieces of {@code text}; empty when the text is blank. */
  List<String> split(String text);
}
