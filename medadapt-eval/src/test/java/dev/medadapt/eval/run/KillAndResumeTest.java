package dev.medadapt.eval.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.eval.testing.EvalFixtures;
import dev.medadapt.core.testing.ScriptedLanguageModel;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run killed with SIGKILL and restarted ends with the totals of an uninterrupted run. */
class KillAndResumeTest {
  private static final int N = 40;

  @TempDir Path tmp;

  @Test
  void killedChildJvmResumesToSameTotals() throws Exception {
    RunResult reference =
        ResumeChild.runner(tmp.resolve("reference"), N, ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer)).run();
    // closed form of the script: i%5==0 unparsed (8 of 40); i%3==0 && i%5!=0 wrong (11); rest right
    assertThat(reference.n()).isEqualTo(N);
    assertThat(reference.unparsed()).isEqualTo(8);
    assertThat(reference.correct()).isEqualTo(N - 8 - 11);

    Path dir = tmp.resolve("killed");
    Path records = dir.resolve(RunLog.RECORDS_FILE);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java, "-cp", System.getProperty("java.class.path"), ResumeChild.class.getName(),
                dir.toString(), String.valueOf(N), "50")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("child.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (lines(records) < 8 && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(child.isAlive()).as("child still running when killed; log: %s", log()).isTrue();
    child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long recordedBeforeKill = lines(records);
    assertThat(recordedBeforeKill).isBetween(8L, (long) N - 1);

    // Make the tear certain: a record cut off mid-write, as a kill during write() leaves it.
    Files.writeString(records, "{\"question_id\":\"q39\",\"benchm", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

    ScriptedLanguageModel model = ScriptedLanguageModel.replying(EvalFixtures::scriptedAnswer);
    RunResult resumed = ResumeChild.runner(dir, N, model).run();

    assertThat(resumed.tornBytesDropped()).isGreaterThan(0);
    assertThat(resumed.resumed()).isEqualTo((int) recordedBeforeKill);
    assertThat(resumed.scored()).isEqualTo(N - (int) recordedBeforeKill);
    assertThat(model.calls()).isEqualTo(N - (int) recordedBeforeKill);
    assertThat(resumed.n()).isEqualTo(reference.n());
    assertThat(resumed.correct()).isEqualTo(reference.correct());
    assertThat(resumed.unparsed()).isEqualTo(reference.unparsed());

    RunLog log = RunLog.read(records); // throws on any duplicate item
    assertThat(log.tornBytes()).isZero();
    assertThat(log.records()).hasSize(N);
    assertThat(withoutLatency(resumed.records())).isEqualTo(withoutLatency(reference.records()));

    RunMetadata meta = RunMetadata.read(dir);
    assertThat(meta.resumedAt()).hasSize(1);
    assertThat(meta.questions()).containsEntry("medqa", N / 2).containsEntry("pubmedqa", N / 2);
  }

  private static List<ItemRecord> withoutLatency(List<ItemRecord> rs) {
    return rs.stream()
        .map(r -> new ItemRecord(r.questionId(), r.benchmark(), r.promptHash(), r.mode(), r.output(),
            r.extracted(), r.rule(), r.gold(), r.correct(), 0))
        .toList();
  }

  private static long lines(Path f) throws java.io.IOException {
    if (!Files.exists(f)) {
      return 0;
    }
    byte[] b = Files.readAllBytes(f);
    long n = 0;
    for (byte x : b) {
      n += x == '\n' ? 1 : 0;
    }
    return n;
  }

  private String log() throws java.io.IOException {
    File f = tmp.resolve("child.log").toFile();
    return f.exists() ? Files.readString(f.toPath()) : "";
  }
}
