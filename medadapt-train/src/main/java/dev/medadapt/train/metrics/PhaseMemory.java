package dev.medadapt.train.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.io.AtomicFiles;
import dev.medadapt.core.runtime.ProcessMemory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Peak resident memory of a training run per phase — {@code load} (everything before training: loading the base,
 * tokenizing), {@code train_step}, {@code eval}, {@code checkpoint}, {@code save_adapter} — measured with
 * {@link ProcessMemory} (VmHWM, reset at the start of each phase) and written as {@code memory.json}
 * ({@code medadapt.memory.v1}) in the run folder. Where the peak cannot be reset, each figure is the peak since
 * the process started ({@code "peak_reset": false}).
 */
public final class PhaseMemory {
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final Map<String, Long> peaks = new LinkedHashMap<>();
  private boolean resettable = true;

  /** Records the peak so far as phase {@code load} (the process's peak before training) and starts measuring. */
  public static PhaseMemory startAfterLoad() {
    PhaseMemory m = new PhaseMemory();
    m.peaks.put("load", ProcessMemory.peakRssBytes());
    m.begin();
    return m;
  }

  /** Starts a phase: the peak restarts from the current RSS. */
  public void begin() {
    resettable &= ProcessMemory.resetPeak();
  }

  /** Ends a phase: its peak (the largest over repeated phases of the same name) is kept; returns this one's. */
  public long end(String phase) {
    long peak = ProcessMemory.peakRssBytes();
    peaks.merge(phase, peak, Math::max);
    return peak;
  }

  /** Peak bytes by phase, in the order first measured. */
  public Map<String, Long> peaks() {
    return Map.copyOf(peaks);
  }

  /** The largest peak over all phases, or -1. */
  public long overallPeak() {
    return peaks.values().stream().mapToLong(Long::longValue).max().orElse(-1);
  }

  /** Writes {@code dir/memory.json}. */
  public void write(Path dir) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("format", "medadapt.memory.v1");
    o.put("source", "/proc/self/status VmHWM, reset per phase via /proc/self/clear_refs");
    o.put("peak_reset", resettable);
    ObjectNode p = o.putObject("peak_rss_bytes");
    peaks.forEach(p::put);
    o.put("peak_rss_bytes_overall", overallPeak());
    AtomicFiles.writeJson(dir.resolve("memory.json"), MAPPER, o);
  }
}
