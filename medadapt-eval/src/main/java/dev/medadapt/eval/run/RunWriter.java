package dev.medadapt.eval.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.MedAdaptException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends {@link ItemRecord}s to a JSONL file, one line each. Every record is written with a single
 * write call and forced to disk ({@code fsync}) before {@link #append} returns, so a killed run
 * loses at most the item in flight; a partly written last line is recognised and dropped by
 * {@link RunLog#read(Path)}. Thread-safe.
 */
public final class RunWriter implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final FileChannel channel;

  private RunWriter(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  /** Opens {@code file} for appending, creating it if needed. */
  public static RunWriter open(Path file) {
    try {
      FileChannel ch =
          FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      return new RunWriter(file, ch);
    } catch (IOException e) {
      throw new MedAdaptException("cannot open run records " + file + " for appending: " + e.getMessage(), e);
    }
  }

  /** Appends one record and forces it to disk. */
  public synchronized void append(ItemRecord record) {
    byte[] line;
    try {
      line = (JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new MedAdaptException("cannot serialize record " + record.key(), e);
    }
    try {
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
      // force(false) is fdatasync on Linux: it also persists the new file length, which is the
      // metadata a reader needs; timestamps are not worth a full fsync per item.
      channel.force(false);
    } catch (IOException e) {
      throw new MedAdaptException("cannot append to run records " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new MedAdaptException("cannot close run records " + file + ": " + e.getMessage(), e);
    }
  }
}
