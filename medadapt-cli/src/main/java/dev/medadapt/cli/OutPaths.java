package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks of output paths, so that a wrong {@code --out} is a named error before any work starts. */
final class OutPaths {
  private OutPaths() {}

  /**
   * Fails when {@code dir} exists but is not a folder (a file, or a link to one).
   *
   * @param option the option's name, for the message
   */
  static Path requireDirectory(Path dir, String option) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new ConfigurationException(option + " " + dir + " is an existing file; it must be a folder (or not exist yet)");
    }
    return dir;
  }

  /** Fails when {@code file} is an existing folder. */
  static Path requireFile(Path file, String option) {
    if (Files.isDirectory(file)) {
      throw new ConfigurationException(option + " " + file + " is an existing folder; it must be a file path");
    }
    return file;
  }
}
