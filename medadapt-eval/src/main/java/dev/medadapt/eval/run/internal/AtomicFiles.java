package dev.medadapt.eval.run.internal;

import dev.medadapt.core.MedAdaptException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link dev.medadapt.core.io.AtomicFiles} with eval's error type: a failed write is a
 * {@link MedAdaptException} naming the file.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes {@code bytes} to {@code file} atomically and returns {@code file}. */
  public static Path write(Path file, byte[] bytes) {
    try {
      return dev.medadapt.core.io.AtomicFiles.write(file, bytes);
    } catch (IOException e) {
      throw new MedAdaptException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
