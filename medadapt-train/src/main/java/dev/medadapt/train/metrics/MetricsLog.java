package dev.medadapt.train.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
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
  /** CSV header. */
  public static final String CSV_HEADER = "step,epoch,loss,learning_rate,grad_norm,tokens,tokens_per_second,eval_loss";

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
      throw new UncheckedIOException("cannot write metrics in " + dir, e);
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
      throw new UncheckedIOException("cannot write metrics in " + dir, e);
    }
  }

  /** All steps so far. */
  public List<StepMetrics> history() {
    return List.copyOf(history);
  }

  /** Writes {@code loss.svg} from the history. */
  public Path writeCurves() {
    Path svg = dir.resolve("loss.svg");
    try {
      Files.writeString(svg, LossCurveSvg.render(history, title), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + svg, e);
    }
    return svg;
  }

  private void writeLine(StepMetrics m) throws IOException {
    csv.write(
        m.step() + "," + m.epoch() + "," + m.loss() + "," + m.learningRate() + "," + m.gradNorm() + "," + m.tokens()
            + "," + m.tokensPerSecond() + "," + (m.evalLoss() == null ? "" : m.evalLoss()));
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
      throw new UncheckedIOException("cannot close metrics in " + dir, e);
    }
  }
}
