package dev.medadapt.core;

/** A model checkpoint (config.json, safetensors, tokenizer, chat template) is missing, malformed or unsupported. The message names the file and the field or tensor. */
public class ModelFormatException extends MedAdaptException {
  private static final long serialVersionUID = 1L;

  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
