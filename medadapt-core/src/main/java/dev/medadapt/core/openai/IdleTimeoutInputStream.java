package dev.medadapt.core.openai;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * A reply body that fails with {@link HttpTimeoutException} when no byte arrives for {@code idle}: the HTTP client's
 * request timeout ends when the headers arrive, and a server that stalls in the middle of a body would otherwise block
 * the reader forever. A daemon watchdog closes the underlying stream, which wakes the blocked read.
 */
final class IdleTimeoutInputStream extends FilterInputStream {
  private final long idleNanos;
  private final String what;
  private final Thread watchdog;
  private volatile long lastActivity = System.nanoTime();
  private volatile boolean timedOut;
  private volatile boolean closed;

  IdleTimeoutInputStream(InputStream in, Duration idle, String what) {
    super(in);
    this.idleNanos = idle.toNanos();
    this.what = what;
    this.watchdog = new Thread(this::watch, "medadapt-http-idle-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  private void watch() {
    while (!closed) {
      long left = lastActivity + idleNanos - System.nanoTime();
      if (left <= 0) {
        timedOut = true;
        try {
          in.close();
        } catch (IOException | RuntimeException ignored) {
          // the reader sees the timeout either way
        }
        return;
      }
      try {
        Thread.sleep(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private int check(int n) throws IOException {
    if (timedOut) {
      throw new HttpTimeoutException(what + ": no reply bytes for " + idleNanos / 1_000_000 + " ms");
    }
    lastActivity = System.nanoTime();
    return n;
  }

  @Override
  public int read() throws IOException {
    return check(readOrTimeout(() -> super.read()));
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    return check(readOrTimeout(() -> super.read(b, off, len)));
  }

  private interface Read {
    int run() throws IOException;
  }

  /** A read that the watchdog's close interrupted ends as the timeout, not as the close's exception. */
  private int readOrTimeout(Read r) throws IOException {
    try {
      return r.run();
    } catch (IOException e) {
      if (timedOut) {
        return -1;
      }
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    watchdog.interrupt();
    super.close();
  }
}
