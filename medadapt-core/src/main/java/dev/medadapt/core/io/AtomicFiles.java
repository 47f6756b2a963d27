package dev.medadapt.core.io;

import dev.medadapt.core.StorageException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Whole-file writes that a reader, or a run killed half way, never sees half done: the content goes to a
 * hidden temporary file beside the target ({@code .<name>.<unique>.tmp}), is forced to disk, then renamed
 * over the target — atomically where the file system supports it. A failed write removes its temporary
 * file and leaves the previous target untouched.
 *
 * <p>Every MedAdapt artifact that a resumed job reads back (checkpoints, index metadata, run logs,
 * merged models, reports) is written this way.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * Writes a file's content to a stream. The stream is buffered; closing it (as Jackson's
   * {@code writeValue} does) only flushes: the file is finished by {@link AtomicFiles}.
   */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Writes {@code content} to {@code file} atomically (creating parent folders) and returns {@code file}. */
  public static Path write(Path file, Content content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    // Not Files.createTempFile: its 0600 permissions would stick to the final file.
    Path tmp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20) {
          @Override
          public void close() throws IOException {
            flush();
          }
        };
        content.writeTo(out);
        out.flush();
        ch.force(true);
      }
      moveReplacing(tmp, file);
      return file;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes {@code bytes} to {@code file} atomically and returns {@code file}. */
  public static Path write(Path file, byte[] bytes) throws IOException {
    return write(file, out -> out.write(bytes));
  }

  /** Writes {@code text} as UTF-8 to {@code file} atomically and returns {@code file}. */
  public static Path writeString(Path file, String text) throws IOException {
    return write(file, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes {@code value} as JSON with {@code mapper} to {@code file} atomically; an I/O failure is a
   * {@link StorageException} naming the file (for settings, summaries and other small records).
   */
  public static Path writeJson(Path file, com.fasterxml.jackson.databind.ObjectMapper mapper, Object value) {
    try {
      return write(file, out -> mapper.writeValue(out, value));
    } catch (IOException e) {
      throw new StorageException("cannot write", file, e);
    }
  }

  /** Renames {@code source} to {@code target}, replacing it; atomically where the file system can. */
  public static void moveReplacing(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Deletes {@code path} and, if it is a folder, everything under it; absent is fine. */
  public static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(path)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        try {
          Files.delete(p);
        } catch (NoSuchFileException ignored) {
          // removed concurrently: the goal is reached
        }
      }
    }
  }
}
