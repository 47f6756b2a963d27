package dev.medadapt.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.train.checkpoint.CheckpointStore;
import dev.medadapt.train.metrics.StepMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** A run killed with SIGKILL (kill -9) in a child JVM and resumed gives the losses of an uninterrupted run, bit for bit. */
class KillResumeTest {
  @TempDir Path tmp;

  private static List<String> listNames(Path dir) throws java.io.IOException {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  @ParameterizedTest(name = "gradient checkpointing {0}")
  @ValueSource(booleans = {true, false})
  void killedAndResumedRunIsBitIdenticalToUninterruptedRun(boolean checkpointing) throws Exception {
    List<Double> reference =
        KillResumeChild.run(tmp.resolve("uninterrupted"), false, checkpointing).metrics().stream().map(StepMetrics::loss).toList();

    Path out = tmp.resolve("killed");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    for (String p : List.of("ai.djl.offline", "medadapt.testdata", "file.encoding")) {
      if (System.getProperty(p) != null) {
        cmd.add("-D" + p + "=" + System.getProperty(p));
      }
    }
    cmd.add(KillResumeChild.class.getName());
    cmd.add(out.toString());
    cmd.add("slow");
    cmd.add(checkpointing ? "checkpointed" : "eager");
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("child.log").toFile()).start();
    try {
      Path ckpts = out.resolve("checkpoints");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      while (System.nanoTime() < deadline && child.isAlive()
          && !(Files.isDirectory(ckpts) && listNames(ckpts).stream()
              .anyMatch(n -> n.startsWith("checkpoint-") && n.compareTo("checkpoint-00000003") >= 0))) {
        Thread.sleep(50);
      }
      if (!child.isAlive()) {
        throw new AssertionError("the child JVM ended before it could be killed (exit " + child.exitValue()
            + "); its output:\n" + Files.readString(tmp.resolve("child.log")));
      }
      child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).isEqualTo(137); // 128 + SIGKILL
    } finally {
      child.destroyForcibly();
    }
    long killedAt = new CheckpointStore(out.resolve("checkpoints"), 2).latest().orElseThrow().step();
    assertThat(killedAt).isBetween(3L, 7L);

    TrainingResult resumed = KillResumeChild.run(out, false, checkpointing);
    assertThat(resumed.resumedFromStep()).isEqualTo(killedAt);
    assertThat(resumed.metrics().stream().map(StepMetrics::loss).toList()).containsExactlyElementsOf(reference);
    assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(9);
  }
}
