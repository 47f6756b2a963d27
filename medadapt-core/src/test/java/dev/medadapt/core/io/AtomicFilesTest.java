package dev.medadapt.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path tmp;

  private static long entries(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  @Test
  void writesCreatesParentsAndReplaces() throws Exception {
    Path f = tmp.resolve("a/b/state.json");
    AtomicFiles.writeString(f, "{\"step\": 1}");
    assertThat(f).hasContent("{\"step\": 1}");
    AtomicFiles.writeString(f, "{\"step\": 2}");
    assertThat(f).hasContent("{\"step\": 2}");
    assertThat(entries(f.getParent())).isEqualTo(1); // no temporary left behind
  }

  @Test
  void aFailedWriteKeepsThePreviousFileAndRemovesItsTemporary() throws Exception {
    Path f = tmp.resolve("metrics.csv");
    AtomicFiles.writeString(f, "old");
    assertThatThrownBy(() -> AtomicFiles.write(f, out -> {
      out.write("half of the new con".getBytes());
      throw new IOException("disk full");
    })).hasMessage("disk full");
    assertThat(f).hasContent("old");
    assertThat(entries(tmp)).isEqualTo(1);
  }

  @Test
  void contentThatClosesTheStreamStillCompletes() throws Exception {
    Path f = tmp.resolve("pipeline.json");
    AtomicFiles.write(f, out -> {
      try (out) {
        out.write("{}".getBytes());
      }
    });
    assertThat(f).hasContent("{}");
  }

  @Test
  void writeJsonWritesTheValueAndNamesTheFileOnFailure() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    Path f = tmp.resolve("summary.json");
    AtomicFiles.writeJson(f, json, java.util.Map.of("steps", 3));
    assertThat(json.readTree(f.toFile()).get("steps").asInt()).isEqualTo(3);
    Path blocked = f.resolve("child.json"); // its parent is a file
    assertThatThrownBy(() -> AtomicFiles.writeJson(blocked, json, java.util.Map.of()))
        .isInstanceOf(dev.medadapt.core.StorageException.class)
        .hasMessageStartingWith("cannot write " + blocked + ": ")
        .satisfies(e -> assertThat(((dev.medadapt.core.StorageException) e).path()).isEqualTo(blocked));
  }

  @Test
  void deleteTreeRemovesFoldersAndToleratesAbsence() throws Exception {
    Path d = tmp.resolve("checkpoint-1");
    AtomicFiles.writeString(d.resolve("x/y.bin"), "1");
    AtomicFiles.writeString(d.resolve("z.bin"), "2");
    AtomicFiles.deleteTree(d);
    assertThat(d).doesNotExist();
    AtomicFiles.deleteTree(d);
    AtomicFiles.deleteTree(tmp.resolve("never-existed"));
    assertThat(entries(tmp)).isZero();
  }
}
