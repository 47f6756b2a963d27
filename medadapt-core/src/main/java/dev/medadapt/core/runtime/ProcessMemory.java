package dev.medadapt.core.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory as Linux reports it in {@code /proc/self/status}: {@code VmRSS} (now) and
 * {@code VmHWM} (the peak, "high water mark"), which {@link #resetPeak()} restarts from the current RSS (writing 5 to
 * {@code /proc/self/clear_refs}, Linux 4.0+). Everything the JVM holds counts: heap, native tensors, malloc arenas,
 * mapped files. Elsewhere (no {@code /proc}) the values are -1.
 *
 * <pre>{@code
 * ProcessMemory.resetPeak();
 * trainOneStep();
 * long peak = ProcessMemory.peakRssBytes();
 * }</pre>
 */
public final class ProcessMemory {
  private static final Path STATUS = Path.of("/proc/self/status");

  private ProcessMemory() {}

  /** The resident set size now, in bytes, or -1. */
  public static long rssBytes() {
    return bytes(statusKb("VmRSS"));
  }

  /** The peak resident set size since the process started or the last {@link #resetPeak()}, in bytes, or -1. */
  public static long peakRssBytes() {
    return bytes(statusKb("VmHWM"));
  }

  private static long bytes(long kb) {
    return kb < 0 ? -1 : kb * 1024;
  }

  /** Restarts the peak from the current RSS; false where the kernel does not allow it (the peak then accumulates). */
  public static boolean resetPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }

  private static long statusKb(String key) {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(key + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
