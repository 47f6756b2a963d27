package dev.medadapt.train.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ModelFormatException;
import dev.medadapt.train.FloatTensor;
import dev.medadapt.train.lora.LoraAdapter;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.lora.LoraInitializer;
import dev.medadapt.train.metrics.StepMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
  @TempDir Path tmp;

  private static TrainingState state(long step) {
    LoraAdapter ad =
        new LoraAdapter(
            LoraConfig.builder().rank(2).alpha(4).targetModules("q_proj").build(),
            Map.of("model.layers.0.self_attn.q_proj", new LoraInitializer(step).linear("q", 4, 4, 2)));
    return new TrainingState(
        step,
        step,
        1,
        17,
        4242,
        Map.of("dropout", -123456789012345L),
        ad,
        Map.of("model.layers.0.self_attn.q_proj.lora_A.exp_avg", new FloatTensor(new int[] {2, 4}, new float[] {1, 2, 3, 4, 5, 6, 7, Float.MIN_VALUE})),
        List.of(new StepMetrics(1, 0, 2.5, 1e-4, 0.75, 512, 1234.5, null), new StepMetrics(2, 0, 2.25, 2e-4, 0.5, 512, 1200, 2.125)),
        Map.of("lr", "1e-4"));
  }

  @Test
  void savesAtomicallyKeepsLastKAndRestoresExactly() throws Exception {
    CheckpointStore store = new CheckpointStore(tmp, 2);
    store.save(state(100), "base");
    store.save(state(200), "base");
    Path last = store.save(state(300), "base");
    assertThat(store.list()).extracting(p -> p.getFileName().toString())
        .containsExactly("checkpoint-00000200", "checkpoint-00000300");
    assertThat(last.getFileName().toString()).isEqualTo("checkpoint-00000300");
    TrainingState back = store.latest().orElseThrow();
    assertThat(back).isEqualTo(state(300));
    assertThat(Files.list(tmp).map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp"));
    // the checkpoint is itself a PEFT adapter folder
    assertThat(last.resolve("adapter_config.json")).exists();
    assertThat(last.resolve("adapter_model.safetensors")).exists();
  }

  @Test
  void interruptedWriteLeftoversAreRemovedAndIgnored() throws Exception {
    CheckpointStore store = new CheckpointStore(tmp, 3);
    store.save(state(10), "base");
    // the leftover is named after a writer process that has ended
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path partial = tmp.resolve(".tmp-checkpoint-20-" + gone.pid());
    Files.createDirectories(partial);
    Files.writeString(partial.resolve("trainer_state.json"), "{\"format\": \"medadapt.che");
    CheckpointStore reopened = new CheckpointStore(tmp, 3);
    assertThat(partial).doesNotExist();
    assertThat(reopened.latest().orElseThrow().step()).isEqualTo(10);
  }

  @Test
  void folderOfALiveWriterIsLeftAlone() throws Exception {
    long live = ProcessHandle.current().parent().orElseThrow().pid();
    Path writing = tmp.resolve(".tmp-checkpoint-20-" + live);
    Files.createDirectories(writing);
    new CheckpointStore(tmp, 3);
    assertThat(writing).exists();
  }

  @Test
  void emptyStoreHasNoLatest() {
    assertThat(new CheckpointStore(tmp.resolve("new"), 1).latest()).isEmpty();
  }

  @Test
  void unknownFormatAndDamageAreReported() throws Exception {
    CheckpointStore store = new CheckpointStore(tmp, 3);
    Path cp = store.save(state(5), "base");
    String json = Files.readString(cp.resolve("trainer_state.json"));
    Files.writeString(cp.resolve("trainer_state.json"), json.replace("medadapt.checkpoint.v1", "medadapt.checkpoint.v9"));
    assertThatThrownBy(() -> CheckpointStore.load(cp))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("trainer_state.json")
        .hasMessageContaining("medadapt.checkpoint.v9");
    Files.writeString(cp.resolve("trainer_state.json"), json.replace("\"seed\"", "\"sead\""));
    assertThatThrownBy(() -> CheckpointStore.load(cp)).hasMessageContaining("missing field 'seed'");
    Files.delete(cp.resolve("optimizer.safetensors"));
    Files.writeString(cp.resolve("trainer_state.json"), json);
    assertThatThrownBy(() -> CheckpointStore.load(cp)).hasMessageContaining("optimizer.safetensors");
  }

  @Test
  void keepLastIsValidated() {
    assertThatThrownBy(() -> new CheckpointStore(tmp, 0)).hasMessage("keepLast must be in [1, 1000000], was 0");
  }
}
