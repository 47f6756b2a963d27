package dev.medadapt.cli;

import dev.medadapt.core.StorageException;
import dev.medadapt.core.io.AtomicFiles;
import dev.medadapt.study.EmbeddedDefault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The embedded default (tiny random model, benchmark sample, corpus sample of medadapt-study) extracted to a
 * temporary folder for one command, and deleted when the command ends.
 */
final class EmbeddedFiles implements AutoCloseable {
  private final Path tmp;
  private final EmbeddedDefault files;

  private EmbeddedFiles(Path tmp, EmbeddedDefault files) {
    this.tmp = tmp;
    this.files = files;
  }

  /** Everything: model, benchmark sample and corpus sample. */
  static EmbeddedFiles all() {
    Path tmp = newTempDir();
    return new EmbeddedFiles(tmp, EmbeddedDefault.extract(tmp));
  }

  /** Only the model. */
  static EmbeddedFiles model() {
    Path tmp = newTempDir();
    return new EmbeddedFiles(tmp, EmbeddedDefault.extractModel(tmp));
  }

  EmbeddedDefault files() {
    return files;
  }

  private static Path newTempDir() {
    Path base = Path.of(System.getProperty("java.io.tmpdir"));
    try {
      return Files.createTempDirectory(base, "medadapt-embedded-");
    } catch (IOException e) {
      throw new StorageException("cannot create a temporary folder for the embedded default in", base, e);
    }
  }

  /** Deletes the extracted files (the model's weights are memory-mapped and stay readable where the OS allows). */
  @Override
  public void close() {
    try {
      AtomicFiles.deleteTree(tmp);
    } catch (IOException e) {
      tmp.toFile().deleteOnExit();
    }
  }
}
