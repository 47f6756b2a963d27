package dev.medadapt.core;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Reading or writing a file or folder failed (disk full, permission, a path that is a file where a folder is needed).
 * The message names the path and the operation, followed by the operating system's reason.
 */
public class StorageException extends MedAdaptException {
  private static final long serialVersionUID = 1L;

  private final transient Path path;

  /**
   * @param what what was being done, e.g. "cannot write merged model to"
   * @param path the file or folder
   * @param cause the I/O failure
   */
  public StorageException(String what, Path path, IOException cause) {
    super(what + " " + path + ": " + reason(cause), cause);
    this.path = path;
  }

  /** The file or folder the failure concerns. */
  public Path path() {
    return path;
  }

  private static String reason(IOException e) {
    String type = e.getClass().getSimpleName();
    return e.getMessage() == null ? type : type + " (" + e.getMessage() + ")";
  }
}
