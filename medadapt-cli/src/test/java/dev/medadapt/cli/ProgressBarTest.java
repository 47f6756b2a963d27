package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.core.progress.Progress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

  @Test
  void rendersBarRateEtaAndMetrics() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("skipped", 3L);
    m.put("loss", 0.123456);
    Progress p = Progress.of("index", 8_000, 16_000, "chunks", Duration.ofSeconds(2), m);
    assertThat(ProgressBar.render(p))
        .isEqualTo("index [###############---------------]  50% 8,000/16,000 chunks  4,000 chunks/s  ETA 0:02  skipped=3  loss=0.1235");
    Progress unknown = Progress.of("index", 500, -1, "chunks", Duration.ofSeconds(10), Map.of());
    assertThat(ProgressBar.render(unknown)).isEqualTo("index 500 chunks  50.00 chunks/s");
    assertThat(ProgressBar.duration(Duration.ofSeconds(3725))).isEqualTo("1:02:05");
  }

  @Test
  void interactiveRedrawsOneLineAndThrottles() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong now = new AtomicLong();
    ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, now::get);
    bar.onProgress(Progress.of("t", 1, 10, "u", Duration.ofSeconds(1), Map.of()));
    now.addAndGet(10_000_000); // 10 ms later: throttled
    bar.onProgress(Progress.of("t", 2, 10, "u", Duration.ofSeconds(1), Map.of()));
    now.addAndGet(200_000_000);
    bar.onProgress(Progress.of("t", 3, 10, "u", Duration.ofSeconds(1), Map.of()));
    now.addAndGet(1_000_000);
    bar.onProgress(Progress.of("t", 4, 10, "u", Duration.ofSeconds(1), Map.of())); // throttled, drawn at close
    bar.close();
    String s = bytes.toString(StandardCharsets.UTF_8);
    assertThat(s.split("\r", -1)).hasSize(4); // "", 1/10, 3/10, 4/10
    assertThat(s).contains("1/10").doesNotContain("2/10").contains("3/10").contains("4/10").endsWith(System.lineSeparator());
    assertThat(s.chars().filter(c -> c == '\n').count()).isEqualTo(1);
  }

  @Test
  void nonInteractivePrintsPlainLinesAndAlwaysTheFinish() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong now = new AtomicLong();
    ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, now::get);
    for (int i = 1; i <= 10; i++) {
      now.addAndGet(1_000_000_000L);
      bar.onProgress(Progress.of("t", i, 10, "u", Duration.ofSeconds(i), Map.of()));
    }
    bar.close();
    String s = bytes.toString(StandardCharsets.UTF_8);
    assertThat(s).doesNotContain("\r");
    assertThat(s.lines().toList()).hasSize(2); // the first report and the finished one
    assertThat(s.lines().toList().get(1)).contains("10/10");
  }
}
