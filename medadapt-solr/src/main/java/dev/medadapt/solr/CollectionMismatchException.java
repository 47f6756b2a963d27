package dev.medadapt.solr;

import dev.medadapt.core.ConfigurationException;

/** The collection exists but does not match what MedAdapt needs: another schema (a field missing or of another type, another analysis or BM25 parameters), no MedAdapt metadata, or another embedder. The message names the collection and the field or setting. */
public class CollectionMismatchException extends ConfigurationException {
  private static final long serialVersionUID = 1L;

  public CollectionMismatchException(String message) {
    super(message);
  }

  public CollectionMismatchException(String message, Throwable cause) {
    super(message, cause);
  }
}
