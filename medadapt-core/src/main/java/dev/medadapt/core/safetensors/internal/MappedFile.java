package dev.medadapt.core.safetensors.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only memory map of a whole file as a list of windows of at most {@link #WINDOW} bytes,
 * because one {@link MappedByteBuffer} cannot exceed 2 GiB. Not API.
 */
public final class MappedFile implements AutoCloseable {
  /** 1 GiB: below the 2^31-1 limit of a ByteBuffer, and a multiple of every element size. */
  static final long WINDOW = 1L << 30;

  private final Path path;
  private final long size;
  private final MappedByteBuffer[] windows;
  /** Open for positional reads of tensor data, which leave no mapped pages in the process's resident set. */
  private final FileChannel channel;

  public MappedFile(Path path) throws IOException {
    this(path, WINDOW);
  }

  /** For tests: a small {@code window} exercises tensors that straddle two windows. */
  public MappedFile(Path path, long window) throws IOException {
    this.path = path;
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    try {
      this.size = ch.size();
      int n = (int) ((size + window - 1) / window);
      windows = new MappedByteBuffer[n];
      for (int i = 0; i < n; i++) {
        long start = i * window;
        windows[i] = ch.map(FileChannel.MapMode.READ_ONLY, start, Math.min(window, size - start));
      }
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    this.channel = ch;
    this.windowSize = window;
  }

  private final long windowSize;

  public Path path() {
    return path;
  }

  public long size() {
    return size;
  }

  /** Copies {@code len} bytes starting at file offset {@code pos} into {@code dst[off..]}. */
  public void copy(long pos, byte[] dst, int off, int len) {
    if (pos < 0 || len < 0 || pos + len > size) {
      throw new IndexOutOfBoundsException("range [" + pos + ", " + (pos + len) + ") outside " + path + " of " + size + " bytes");
    }
    while (len > 0) {
      int w = (int) (pos / windowSize);
      if (windows[w] == null) {
        throw new IllegalStateException(path + " is closed");
      }
      int inWin = (int) (pos - w * windowSize);
      int n = Math.min(len, windows[w].capacity() - inWin);
      windows[w].get(inWin, dst, off, n);
      pos += n;
      off += n;
      len -= n;
    }
  }

  /**
   * Reads {@code dst.remaining()} bytes from file offset {@code pos} into {@code dst} with positional reads (the page
   * cache copies them; pages touched through the map would count as this process's resident memory until the map
   * is closed: a whole checkpoint while a model loads).
   */
  public void read(long pos, ByteBuffer dst) {
    if (pos < 0 || pos + dst.remaining() > size) {
      throw new IndexOutOfBoundsException("range [" + pos + ", " + (pos + dst.remaining()) + ") outside " + path
          + " of " + size + " bytes");
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
      throw new java.io.UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /** A little-endian view of {@code [pos, pos+len)} when it lies inside one window, else null. */
  public ByteBuffer sliceOrNull(long pos, int len) {
    int w = (int) (pos / windowSize);
    int inWin = (int) (pos - w * windowSize);
    if (w >= windows.length || windows[w] == null || inWin + (long) len > windows[w].capacity()) {
      return null;
    }
    return windows[w].slice(inWin, len).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Unmaps the file now (see {@link DirectBuffers}); no slice handed out may be used afterwards. */
  @Override
  public void close() {
    for (int i = 0; i < windows.length; i++) {
      DirectBuffers.free(windows[i]);
      windows[i] = null;
    }
    try {
      channel.close();
    } catch (IOException e) {
      // read-only: nothing to lose
    }
  }
}
