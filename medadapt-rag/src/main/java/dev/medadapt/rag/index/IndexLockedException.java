package dev.medadapt.rag.index;

import dev.medadapt.core.MedAdaptException;

/** Another writer (in this or another process) holds the index's {@code write.lock}. */
public class IndexLockedException extends MedAdaptException {
  private static final long serialVersionUID = 1L;

  public IndexLockedException(String message, Throwable cause) {
    super(message, cause);
  }
}
