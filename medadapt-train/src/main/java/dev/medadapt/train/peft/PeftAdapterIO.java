package dev.medadapt.train.peft;

import dev.medadapt.core.StorageException;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.safetensors.DType;
import dev.medadapt.core.safetensors.SafetensorsReader;
import dev.medadapt.core.safetensors.SafetensorsWriter;
import dev.medadapt.core.safetensors.TensorInfo;
import dev.medadapt.train.FloatTensor;
import dev.medadapt.train.lora.LoraAdapter;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.lora.LoraPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes LoRA adapters in PEFT's on-disk format: {@code adapter_config.json} plus
 * {@code adapter_model.safetensors} with PEFT's tensor names
 * ({@code base_model.model.<module>.lora_A.weight}/{@code lora_B.weight}, and
 * {@code base_model.model.<module>.lora_embedding_A}/{@code lora_embedding_B} for embeddings), so
 * {@code PeftModel.from_pretrained} loads what this writes and this loads adapters trained with PEFT.
 */
public final class PeftAdapterIO {
  /** File name PEFT uses for the weights. */
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";

  private static final String A = ".lora_A.weight";
  private static final String B = ".lora_B.weight";
  private static final String EA = ".lora_embedding_A";
  private static final String EB = ".lora_embedding_B";

  private PeftAdapterIO() {}

  /** Writes the adapter (float32 tensors) into {@code dir}, creating it if needed. */
  public static void write(Path dir, LoraAdapter adapter, String baseModelNameOrPath) {
    try {
      Files.createDirectories(dir);
      SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
      for (Map.Entry<String, LoraPair> e : adapter.modules().entrySet()) {
        LoraPair p = e.getValue();
        Map.Entry<String, String> names =
            PeftAdapterConfig.tensorNames(e.getKey(), p.kind() == LoraPair.Kind.EMBEDDING);
        w.add(names.getKey(), DType.F32, longs(p.a().shape()), p.a().data());
        w.add(names.getValue(), DType.F32, longs(p.b().shape()), p.b().data());
      }
      w.write(dir.resolve(WEIGHTS_FILE));
      PeftAdapterConfig.write(dir, adapter.config(), baseModelNameOrPath);
    } catch (IOException e) {
      throw new StorageException("cannot write adapter to", dir, e);
    }
  }

  /** Reads an adapter written by PEFT or by {@link #write}; F16/BF16 tensors are widened to float32. */
  public static LoraAdapter read(Path dir) {
    LoraConfig config = PeftAdapterConfig.read(dir).lora();
    Path file = dir.resolve(WEIGHTS_FILE);
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException("PEFT adapter weights not found: " + file);
    }
    Map<String, FloatTensor[]> parts = new TreeMap<>();
    Map<String, Boolean> embedding = new HashMap<>();
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      for (TensorInfo t : r.tensors().values()) {
        String name = t.name();
        if (!name.startsWith(PeftAdapterConfig.PREFIX)) {
          throw new ModelFormatException(
              file + ": tensor '" + name + "' does not start with '" + PeftAdapterConfig.PREFIX + "'");
        }
        String rest = name.substring(PeftAdapterConfig.PREFIX.length());
        int slot;
        String suffix;
        if (rest.endsWith(A)) {
          suffix = A;
          slot = 0;
        } else if (rest.endsWith(B)) {
          suffix = B;
          slot = 1;
        } else if (rest.endsWith(EA)) {
          suffix = EA;
          slot = 0;
        } else if (rest.endsWith(EB)) {
          suffix = EB;
          slot = 1;
        } else {
          throw new ModelFormatException(
              file + ": tensor '" + name + "' is not a LoRA factor (expected a name ending in " + A + ", " + B
                  + ", " + EA + " or " + EB + ")");
        }
        String module = rest.substring(0, rest.length() - suffix.length());
        boolean emb = suffix.equals(EA) || suffix.equals(EB);
        Boolean prev = embedding.put(module, emb);
        if (prev != null && prev != emb) {
          throw new ModelFormatException(file + ": module '" + module + "' mixes linear and embedding LoRA tensors");
        }
        if (!config.targets(module)) {
          throw new ModelFormatException(
              file + ": tensor '" + name + "' adapts module '" + module + "', which target_modules "
                  + config.targetModules() + " does not cover");
        }
        if (t.shape().length != 2) {
          throw new ModelFormatException(
              file + ": tensor '" + name + "' must be 2-D, has shape " + t.shapeString());
        }
        int[] shape = {Math.toIntExact(t.shape()[0]), Math.toIntExact(t.shape()[1])};
        parts.computeIfAbsent(module, k -> new FloatTensor[2])[slot] = new FloatTensor(shape, r.readFloats(name));
      }
    }
    Map<String, LoraPair> modules = new TreeMap<>();
    for (Map.Entry<String, FloatTensor[]> e : parts.entrySet()) {
      FloatTensor[] ab = e.getValue();
      boolean emb = embedding.get(e.getKey());
      if (ab[0] == null || ab[1] == null) {
        throw new ModelFormatException(
            file + ": module '" + e.getKey() + "' lacks its " + (ab[0] == null ? (emb ? EA : A) : (emb ? EB : B))
                + " tensor");
      }
      if (ab[0].shape()[0] != config.rank() || ab[1].shape()[1] != config.rank()) {
        throw new ModelFormatException(
            file + ": module '" + e.getKey() + "' has A " + Arrays.toString(ab[0].shape()) + " and B "
                + Arrays.toString(ab[1].shape()) + ", expected rank r=" + config.rank());
      }
      modules.put(e.getKey(), new LoraPair(emb ? LoraPair.Kind.EMBEDDING : LoraPair.Kind.LINEAR, ab[0], ab[1]));
    }
    if (modules.isEmpty()) {
      throw new ModelFormatException(file + ": holds no LoRA tensors");
    }
    return new LoraAdapter(config, modules);
  }

  private static long[] longs(int[] s) {
    long[] l = new long[s.length];
    for (int i = 0; i < s.length; i++) {
      l[i] = s[i];
    }
    return l;
  }
}
