package dev.medadapt.solr;

import dev.medadapt.core.MedAdaptException;

/** The Solr cluster could not be reached or did not answer (ZooKeeper or every Solr node down, or a transient failure that outlasted the retries); the message names the target. */
public class SolrUnavailableException extends MedAdaptException {
  private static final long serialVersionUID = 1L;

  public SolrUnavailableException(String message) {
    super(message);
  }

  public SolrUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
