package dev.medadapt.cli;

import dev.medadapt.core.progress.Progress;
import dev.medadapt.core.progress.ProgressListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Draws {@link Progress} on stderr for any long CLI command (index, train, eval).
 *
 * <p>On a terminal it redraws one line with {@code \r} at most 10 times a second:
 * {@code index [######------]  52% 8,532/16,407 chunks  4,210 chunks/s  ETA 0:02  skipped=3}; when
 * stderr is redirected it prints a plain line every 10 seconds instead, so logs stay readable. The
 * last state is always drawn when the task finishes or the bar is closed. Thread-safe.
 *
 * <pre>{@code
 * try (ProgressBar bar = ProgressBar.onStderr()) {
 *   writer.progress(bar) ...
 * }
 * }</pre>
 */
public final class ProgressBar implements ProgressListener, AutoCloseable {
  private static final int WIDTH = 30;

  private final PrintStream out;
  private final boolean interactive;
  private final long minIntervalNanos;
  private final LongSupplier clock;
  private long lastDraw = Long.MIN_VALUE;
  private Progress last;
  private boolean lastDrawn = true;
  private int lastLength;
  private boolean open;

  /**
   * @param out where to draw (stderr in the CLI)
   * @param interactive redraw one line with {@code \r} (a terminal) or print plain lines (a log)
   * @param clock nanosecond clock (tests pass a fake one)
   */
  public ProgressBar(PrintStream out, boolean interactive, LongSupplier clock) {
    this.out = out;
    this.interactive = interactive;
    this.clock = clock;
    this.minIntervalNanos = interactive ? 100_000_000L : 10_000_000_000L;
  }

  /** A bar on {@code System.err}, interactive when a terminal is attached. */
  public static ProgressBar onStderr() {
    return new ProgressBar(System.err, isTerminal(), System::nanoTime);
  }

  /**
   * Whether the process runs on a terminal. From JDK 22 {@code System.console()} is non-null even
   * when output is redirected and {@code Console.isTerminal()} (JDK 22+) tells; on older JDKs a
   * non-null console means a terminal.
   */
  static boolean isTerminal() {
    java.io.Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
    } catch (NoSuchMethodException e) {
      return true;
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  @Override
  public synchronized void onProgress(Progress p) {
    last = p;
    long now = clock.getAsLong();
    boolean finished = p.total() > 0 && p.done() >= p.total();
    if (finished || lastDraw == Long.MIN_VALUE || now - lastDraw >= minIntervalNanos) {
      draw(p);
      lastDraw = now;
      lastDrawn = true;
    } else {
      lastDrawn = false;
    }
  }

  /** Prints a line of text (a stage announcement), ending an open bar line first; the next update redraws the bar. */
  public synchronized void message(String line) {
    if (open) {
      out.println();
      open = false;
      lastLength = 0;
    }
    out.println(line);
    out.flush();
    lastDraw = Long.MIN_VALUE;
  }

  /** Draws the last state if it was throttled away and ends the line. */
  @Override
  public synchronized void close() {
    if (last != null && !lastDrawn) {
      draw(last);
    }
    if (open) {
      out.println();
      open = false;
    }
    out.flush();
  }

  private void draw(Progress p) {
    String line = render(p);
    if (interactive) {
      int pad = Math.max(0, lastLength - line.length());
      out.print("\r" + line + " ".repeat(pad));
      lastLength = line.length();
      open = true;
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** The one-line text for {@code p}. */
  public static String render(Progress p) {
    StringBuilder sb = new StringBuilder(p.task()).append(' ');
    double f = p.fraction();
    if (!Double.isNaN(f)) {
      int filled = (int) Math.round(f * WIDTH);
      sb.append('[').append("#".repeat(filled)).append("-".repeat(WIDTH - filled)).append("] ");
      sb.append(String.format(Locale.ROOT, "%3d%% ", (int) Math.floor(f * 100)));
      sb.append(String.format(Locale.ROOT, "%,d/%,d %s", p.done(), p.total(), p.unit()));
    } else {
      sb.append(String.format(Locale.ROOT, "%,d %s", p.done(), p.unit()));
    }
    sb.append(String.format(Locale.ROOT, "  %s %s/s", rate(p.ratePerSecond()), p.unit()));
    if (p.eta() != null) {
      sb.append("  ETA ").append(duration(p.eta()));
    }
    for (Map.Entry<String, Object> e : p.metrics().entrySet()) {
      sb.append("  ").append(e.getKey()).append('=').append(value(e.getValue()));
    }
    return sb.toString();
  }

  private static String rate(double r) {
    return r >= 100 ? String.format(Locale.ROOT, "%,d", Math.round(r)) : String.format(Locale.ROOT, "%.2f", r);
  }

  private static String value(Object v) {
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      return Math.abs(d) >= 1000 || d == Math.rint(d) ? String.format(Locale.ROOT, "%,.0f", d) : String.format(Locale.ROOT, "%.4g", d);
    }
    return String.valueOf(v);
  }

  /** {@code m:ss} or {@code h:mm:ss}. */
  static String duration(Duration d) {
    long s = Math.max(0, d.toSeconds());
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
