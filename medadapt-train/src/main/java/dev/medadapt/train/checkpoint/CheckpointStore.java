package dev.medadapt.train.checkpoint;

import dev.medadapt.core.StorageException;
import dev.medadapt.core.io.AtomicFiles;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.safetensors.DType;
import dev.medadapt.core.safetensors.SafetensorsReader;
import dev.medadapt.core.safetensors.SafetensorsWriter;
import dev.medadapt.core.safetensors.TensorInfo;
import dev.medadapt.train.FloatTensor;
import dev.medadapt.train.lora.LoraAdapter;
import dev.medadapt.train.metrics.StepMetrics;
import dev.medadapt.train.peft.PeftAdapterIO;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training checkpoints in a folder: {@code checkpoint-00000100/} per saved step, the newest {@code keepLast} kept.
 *
 * <p>Format v1 ({@code trainer_state.json} field {@code "format": "medadapt.checkpoint.v1"}): the adapter in PEFT
 * format ({@code adapter_config.json}, {@code adapter_model.safetensors}: a checkpoint is itself a loadable PEFT
 * adapter), {@code optimizer.safetensors} (AdamW moments, float32), and {@code trainer_state.json} (steps, data
 * position, seed, RNG states, metrics, run configuration).
 *
 * <p>Writes are atomic: everything goes into a hidden temporary folder, each file and the folder are fsynced, the
 * folder is renamed into place, and the parent is fsynced. A crash at any moment leaves either the previous
 * checkpoints or the new complete one; leftovers of an interrupted write are removed when the store is opened.
 */
public final class CheckpointStore {
  /** The current format tag. */
  public static final String FORMAT_V1 = "medadapt.checkpoint.v1";

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  private static final String PREFIX = "checkpoint-";
  private static final String TMP_PREFIX = ".tmp-checkpoint-";
  private static final String STATE = "trainer_state.json";
  private static final String OPTIMIZER = "optimizer.safetensors";
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path dir;
  private final int keepLast;

  /** A store in {@code dir} (created if absent) keeping the newest {@code keepLast} checkpoints. */
  public CheckpointStore(Path dir, int keepLast) {
    this.dir = Ensure.notNull(dir, "checkpointDir");
    this.keepLast = Ensure.between(keepLast, 1, 1_000_000, "keepLast");
    try {
      Files.createDirectories(dir);
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TMP_PREFIX + "*")) {
        for (Path p : ds) {
          if (writerAlive(p.getFileName().toString())) {
            continue; // another live process is writing this one
          }
          LOG.info("removing interrupted checkpoint write {}", p);
          deleteTree(p);
        }
      }
    } catch (IOException e) {
      throw new StorageException("cannot open checkpoint folder", dir, e);
    }
  }

  /** Temporary folders are named {@code .tmp-checkpoint-<step>-<pid>}; is that process still running? */
  private static boolean writerAlive(String name) {
    int dash = name.lastIndexOf('-');
    try {
      long pid = Long.parseLong(name.substring(dash + 1));
      return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  public Path directory() {
    return dir;
  }

  /** Saves {@code state} as {@code checkpoint-<step>} atomically and prunes old checkpoints; returns its folder. */
  public Path save(TrainingState state, String baseModelNameOrPath) {
    Path target = dir.resolve(String.format("%s%08d", PREFIX, state.step()));
    Path tmp = dir.resolve(TMP_PREFIX + state.step() + "-" + ProcessHandle.current().pid());
    try {
      deleteTree(tmp);
      Files.createDirectories(tmp);
      PeftAdapterIO.write(tmp, state.adapter(), baseModelNameOrPath);
      SafetensorsWriter w = new SafetensorsWriter().metadata("format", FORMAT_V1);
      for (Map.Entry<String, FloatTensor> e : new java.util.TreeMap<>(state.optimizerState()).entrySet()) {
        w.add(e.getKey(), DType.F32, longs(e.getValue().shape()), e.getValue().data());
      }
      w.write(tmp.resolve(OPTIMIZER));
      Files.writeString(tmp.resolve(STATE), MAPPER.writeValueAsString(stateJson(state)));
      try (Stream<Path> files = Files.list(tmp)) {
        for (Path f : files.toList()) {
          fsync(f, false);
        }
      }
      fsync(tmp, true);
      if (Files.exists(target)) {
        // Re-saving the same step (a resumed run that stops at a step it had saved): replace as a whole.
        Path old = dir.resolve(TMP_PREFIX + "old-" + state.step() + "-" + ProcessHandle.current().pid());
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
      } else {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      }
      fsync(dir, true);
      prune();
      return target;
    } catch (IOException e) {
      throw new StorageException("cannot write checkpoint", target, e);
    }
  }

  /** Checkpoint folders, oldest first. */
  public List<Path> list() {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(PREFIX) && Files.isDirectory(p))
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new StorageException("cannot list", dir, e);
    }
  }

  /** The newest checkpoint, if any. */
  public Optional<TrainingState> latest() {
    List<Path> all = list();
    return all.isEmpty() ? Optional.empty() : Optional.of(load(all.get(all.size() - 1)));
  }

  /** Loads and validates one checkpoint folder. */
  public static TrainingState load(Path checkpoint) {
    Path stateFile = checkpoint.resolve(STATE);
    if (!Files.isRegularFile(stateFile)) {
      throw new ModelFormatException("checkpoint state not found: " + stateFile);
    }
    JsonNode s;
    try {
      s = MAPPER.readTree(stateFile.toFile());
    } catch (IOException e) {
      throw new ModelFormatException(stateFile + ": invalid JSON: " + e.getMessage(), e);
    }
    String format = s.path("format").asText("");
    if (!FORMAT_V1.equals(format)) {
      throw new ModelFormatException(
          stateFile + ": field 'format' is '" + format + "'; this version reads " + FORMAT_V1);
    }
    LoraAdapter adapter = PeftAdapterIO.read(checkpoint);
    Map<String, FloatTensor> opt = new LinkedHashMap<>();
    Path optFile = checkpoint.resolve(OPTIMIZER);
    if (!Files.isRegularFile(optFile)) {
      throw new ModelFormatException("checkpoint optimizer state not found: " + optFile);
    }
    try (SafetensorsReader r = SafetensorsReader.open(optFile)) {
      for (TensorInfo t : r.tensors().values()) {
        int[] shape = new int[t.shape().length];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = Math.toIntExact(t.shape()[i]);
        }
        opt.put(t.name(), new FloatTensor(shape, r.readFloats(t.name())));
      }
    }
    try {
      return new TrainingState(
          required(s, "step", stateFile).asLong(),
          required(s, "scheduler_step", stateFile).asLong(),
          required(s, "epoch", stateFile).asInt(),
          required(s, "batch_in_epoch", stateFile).asLong(),
          required(s, "seed", stateFile).asLong(),
          MAPPER.convertValue(required(s, "rng_states", stateFile), new TypeReference<Map<String, Long>>() {}),
          adapter,
          opt,
          MAPPER.convertValue(required(s, "metrics", stateFile), new TypeReference<List<StepMetrics>>() {}),
          MAPPER.convertValue(required(s, "run_config", stateFile), new TypeReference<Map<String, String>>() {}));
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(stateFile + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode required(JsonNode s, String field, Path file) {
    JsonNode v = s.get(field);
    if (v == null || v.isNull()) {
      throw new ModelFormatException(file + ": missing field '" + field + "'");
    }
    return v;
  }

  private static ObjectNode stateJson(TrainingState st) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("format", FORMAT_V1);
    o.put("step", st.step());
    o.put("scheduler_step", st.schedulerStep());
    o.put("epoch", st.epoch());
    o.put("batch_in_epoch", st.batchInEpoch());
    o.put("seed", st.seed());
    o.set("rng_states", MAPPER.valueToTree(new java.util.TreeMap<>(st.rngStates())));
    o.set("run_config", MAPPER.valueToTree(new java.util.TreeMap<>(st.runConfig())));
    o.set("metrics", MAPPER.valueToTree(st.metrics()));
    return o;
  }

  private void prune() throws IOException {
    List<Path> all = list();
    for (int i = 0; i < all.size() - keepLast; i++) {
      Path p = all.get(i);
      // Rename first so a crash mid-delete never leaves a half-deleted folder that looks like a checkpoint.
      Path doomed = dir.resolve(TMP_PREFIX + "del-" + p.getFileName() + "-" + ProcessHandle.current().pid());
      Files.move(p, doomed, StandardCopyOption.ATOMIC_MOVE);
      deleteTree(doomed);
    }
  }

  private static void fsync(Path p, boolean directory) throws IOException {
    try (FileChannel ch = FileChannel.open(p, directory ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
      ch.force(true);
    } catch (IOException e) {
      if (!directory) {
        throw e;
      }
      // Some file systems do not allow opening a directory for fsync; the rename is still atomic there.
    }
  }

  private static void deleteTree(Path p) throws IOException {
    AtomicFiles.deleteTree(p);
  }

  private static long[] longs(int[] s) {
    long[] l = new long[s.length];
    for (int i = 0; i < s.length; i++) {
      l[i] = s[i];
    }
    return l;
  }
}
