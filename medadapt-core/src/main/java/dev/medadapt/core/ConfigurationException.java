package dev.medadapt.core;

/** A builder or command was given an invalid or inconsistent value. The message names the parameter and the allowed range. */
public class ConfigurationException extends MedAdaptException {
  private static final long serialVersionUID = 1L;

  public ConfigurationException(String message) {
    super(message);
  }

  public ConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }
}
