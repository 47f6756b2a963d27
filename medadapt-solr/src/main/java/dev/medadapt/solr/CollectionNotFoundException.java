package dev.medadapt.solr;

import dev.medadapt.core.ConfigurationException;

/** The named collection does not exist in the Solr cluster; the message names it and lists those that do. */
public class CollectionNotFoundException extends ConfigurationException {
  private static final long serialVersionUID = 1L;

  public CollectionNotFoundException(String message) {
    super(message);
  }

  public CollectionNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
