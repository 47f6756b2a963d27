package dev.medadapt.core;

/** An input data file (corpus, benchmark, training set, predictions) is malformed. The message names the file and, where there is one, the line and field. */
public class DataFormatException extends MedAdaptException {
  private static final long serialVersionUID = 1L;

  public DataFormatException(String message) {
    super(message);
  }

  public DataFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
