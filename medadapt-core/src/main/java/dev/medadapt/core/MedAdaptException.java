package dev.medadapt.core;

/**
 * Root of every error MedAdapt raises on purpose.
 *
 * <p>Unchecked, like LangChain4j's and DJL's runtime errors, so that builders and lambdas compose;
 * every subclass carries a message that names the file, line, tensor or field at fault and what was
 * expected, so the caller can act on it without a stack trace.
 */
public class MedAdaptException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MedAdaptException(String message) {
    super(message);
  }

  public MedAdaptException(String message, Throwable cause) {
    super(message, cause);
  }
}
