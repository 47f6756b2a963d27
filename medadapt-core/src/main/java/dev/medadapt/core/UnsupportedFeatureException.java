package dev.medadapt.core;

/** The chosen implementation cannot do what was asked (for example log-likelihood scoring over a chat-only HTTP endpoint). */
public class UnsupportedFeatureException extends MedAdaptException {
  private static final long serialVersionUID = 1L;

  public UnsupportedFeatureException(String message) {
    super(message);
  }

  public UnsupportedFeatureException(String message, Throwable cause) {
    super(message, cause);
  }
}
