package dev.medadapt.core.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where tests find their files.
 *
 * <ul>
 *   <li>{@link #testdata(String)}: small files committed under {@code testdata/} at the repository
 *       root (tiny checkpoints, data samples). Always present; a missing one is a test failure.
 *   <li>{@link #sharedData(String)}: the full public data sets, read only by the real-data suites
 *       ({@code *IT}) when {@code -Dmedadapt.data=PATH} is given. Without the property such a test is
 *       skipped and the skip message says which property to set; with the property set, a missing
 *       file is a failure, never a skip.
 * </ul>
 */
public final class TestResources {
  /** System property naming the folder of real public data ({@code ../shared/data} in CI). */
  public static final String DATA_PROPERTY = "medadapt.data";

  private TestResources() {}

  /** A file or folder under the repository's {@code testdata/}. */
  public static Path testdata(String relative) {
    String root = System.getProperty("medadapt.testdata");
    Path base = root == null || root.isBlank() ? locateRepoTestdata() : Path.of(root);
    Path p = base.resolve(relative).normalize();
    if (!Files.exists(p)) {
      throw new IllegalStateException("test resource missing: " + p);
    }
    return p;
  }

  /** One of the tiny Qwen2 checkpoints in {@code testdata/models}. */
  public static Path tinyModel(String name) {
    return testdata("models/" + name);
  }

  /**
   * A file under the real-data folder; skips the calling test (with the reason) when
   * {@code -Dmedadapt.data} is not set.
   */
  public static Path sharedData(String relative) {
    String root = System.getProperty(DATA_PROPERTY);
    assumeTrue(
        root != null && !root.isBlank(),
        "real-data suite skipped: run with -D" + DATA_PROPERTY + "=PATH (for example ../shared/data) to read " + relative);
    Path p = Path.of(root).resolve(relative).toAbsolutePath().normalize();
    if (!Files.exists(p)) {
      throw new IllegalStateException(
          "-D" + DATA_PROPERTY + "=" + root + " is set but " + p + " does not exist");
    }
    return p;
  }

  private static Path locateRepoTestdata() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("testdata/models"))) {
        return d.resolve("testdata");
      }
    }
    throw new IllegalStateException("cannot find testdata/ above " + dir);
  }
}
