package dev.medadapt.train.metrics;

import dev.medadapt.core.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.io.AtomicFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-step metrics as {@code metrics.csv} and {@code metrics.jsonl} in a run folder, plus {@code loss.svg}, rewritten
 * from the full history at open (so a resumed run's files hold exactly the steps of its checkpoint, then continue).
 * Each line is flushed when written.
 */
public final class MetricsLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsLog.class);
  /** CSV header. */
  public static final String CSV_HEADER = "step,epoch,loss,learning_rate,grad_norm,tokens,tokens_per_second,eval_loss,peak_rss_bytes";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Path dir;
  private final String title;
  private final List<StepMetrics> history;
  private final BufferedWriter csv;
  private final BufferedWriter jsonl;

  /** Opens the log in {@code dir}, writing {@code history} (may be empty) first. */
  public MetricsLog(Path dir, String title, List<StepMetrics> history) {
    this.dir = dir;
    this.title = title;
    this.history = new ArrayList<>(history);
    try {
      Files.createDirectories(dir);
      // The two logs are the one kind of file not written by temp-and-rename: they grow a line per step while the run
      // goes on, and are rewritten whole from the checkpoint's history when a killed run resumes.
      csv = Files.newBufferedWriter(dir.resolve("metrics.csv"), StandardCharsets.UTF_8);
      jsonl = Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8);
      csv.write(CSV_HEADER);
      csv.newLine();
      for (StepMetrics m : history) {
        writeLine(m);
      }
      csv.flush();
      jsonl.flush();
    } catch (IOException e) {
      throw new StorageException("cannot write metrics in", dir, e);
    }
  }

  /** Appends one step. */
  public void append(StepMetrics m) {
    history.add(m);
    try {
      writeLine(m);
      csv.flush();
      jsonl.flush();
    } catch (IOException e) {
      throw new StorageException("cannot write metrics in", dir, e);
    }
  }

  /** All steps so far. */
  public List<StepMetrics> history() {
    return List.copyOf(history);
  }

  /**
   * Writes {@code loss.svg} and {@code loss.png} from the history (atomically); returns the SVG. Where Java2D cannot
   * render (a JRE without fonts) the PNG is left out with a warning.
   */
  public Path writeCurves() {
    Path svg = dir.resolve("loss.svg");
    try {
      AtomicFiles.writeString(svg, LossCurveSvg.render(history, title));
    } catch (IOException e) {
      throw new StorageException("cannot write", svg, e);
    }
    try {
      LossCurveSvg.writePng(dir.resolve("loss.png"), history, title);
    } catch (UnsupportedFeatureException e) {
      LOG.warn("{}; loss.svg is written", e.getMessage());
    }
    return svg;
  }

  private void writeLine(StepMetrics m) throws IOException {
    csv.write(
        m.step() + "," + m.epoch() + "," + m.loss() + "," + m.learningRate() + "," + m.gradNorm() + "," + m.tokens()
            + "," + m.tokensPerSecond() + "," + (m.evalLoss() == null ? "" : m.evalLoss()) + "," + (m.peakRssBytes() < 0 ? "" : Long.toString(m.peakRssBytes())));
    csv.newLine();
    jsonl.write(json(m));
    jsonl.newLine();
  }

  static String json(StepMetrics m) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("step", m.step());
    o.put("epoch", m.epoch());
    o.put("loss", m.loss());
    o.put("learning_rate", m.learningRate());
    o.put("grad_norm", m.gradNorm());
    o.put("tokens", m.tokens());
    o.put("tokens_per_second", m.tokensPerSecond());
    if (m.evalLoss() == null) {
      o.putNull("eval_loss");
    } else {
      o.put("eval_loss", m.evalLoss());
    }
    if (m.peakRssBytes() < 0) {
      o.putNull("peak_rss_bytes");
    } else {
      o.put("peak_rss_bytes", m.peakRssBytes());
    }
    try {
      return MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      csv.close();
      jsonl.close();
    } catch (IOException e) {
      throw new StorageException("cannot close metrics in", dir, e);
    }
  }
}
