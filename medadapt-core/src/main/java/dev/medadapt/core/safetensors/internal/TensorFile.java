package dev.medadapt.core.safetensors.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A checkpoint file open for positional reads. Not memory-mapped: pages touched through a map count as the
 * process's resident memory until the map is closed, which put a whole checkpoint into the peak RSS of loading it;
 * positional reads copy from the page cache instead, and have no 2 GiB limit per buffer. Not API.
 */
public final class TensorFile implements AutoCloseable {
  private final Path path;
  private final long size;
  private final FileChannel channel;

  public TensorFile(Path path) throws IOException {
    this.path = path;
    this.channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      this.size = channel.size();
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  public long size() {
    return size;
  }

  /** Copies {@code len} bytes starting at file offset {@code pos} into {@code dst[off..]}. */
  public void copy(long pos, byte[] dst, int off, int len) {
    read(pos, ByteBuffer.wrap(dst, off, len));
  }

  /** Reads {@code dst.remaining()} bytes from file offset {@code pos} into {@code dst}. */
  public void read(long pos, ByteBuffer dst) {
    if (pos < 0 || pos + dst.remaining() > size) {
      throw new IndexOutOfBoundsException("range [" + pos + ", " + (pos + dst.remaining()) + ") outside " + path
          + " of " + size + " bytes");
    }
    if (!channel.isOpen()) {
      throw new IllegalStateException(path + " is closed");
    }
    try {
      while (dst.hasRemaining()) {
        int n = channel.read(dst, pos);
        if (n < 0) {
          throw new IOException("unexpected end of file at " + pos);
        }
        pos += n;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // read-only: nothing to lose
    }
  }
}
