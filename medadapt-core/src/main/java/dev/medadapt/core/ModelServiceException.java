package dev.medadapt.core;

/** A remote model service failed (HTTP status, timeout, or unparsable reply) after the configured retries. */
public class ModelServiceException extends MedAdaptException {
  private static final long serialVersionUID = 1L;

  public ModelServiceException(String message) {
    super(message);
  }

  public ModelServiceException(String message, Throwable cause) {
    super(message, cause);
  }
}
