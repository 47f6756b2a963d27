package dev.medadapt.train.peft;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.StorageException;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.io.AtomicFiles;
import dev.medadapt.core.model.Qwen2Config;
import dev.medadapt.core.safetensors.DType;
import dev.medadapt.core.safetensors.SafetensorsReader;
import dev.medadapt.core.safetensors.SafetensorsWriter;
import dev.medadapt.core.safetensors.TensorInfo;
import dev.medadapt.train.internal.Provenance;
import dev.medadapt.train.lora.LoraAdapter;
import dev.medadapt.train.lora.LoraPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Merges a LoRA adapter into a 16- or 32-bit Hugging Face Qwen2 checkpoint and writes a new checkpoint folder
 * (config.json, sharded safetensors, tokenizer and generation files copied), as PEFT's {@code merge_and_unload}
 * followed by {@code save_pretrained}: {@code W += scaling · B·A} for linear modules and
 * {@code E += scaling · (B·A)ᵀ} for the embedding.
 *
 * <p>Tensors keep the base's dtype unless {@code outputDtype} is given (merging into bf16 rounds the merged weights
 * to bf16, as PEFT does). When the base ties lm_head to the embedding and the adapter changes either of them, the
 * output is untied ({@code tie_word_embeddings: false} and an explicit {@code lm_head.weight}), so both keep their
 * own merged values. A 4-bit base cannot be merged into (only 16/32-bit safetensors are read).
 */
public final class AdapterMerger {
  /** Shard size of the output (Transformers' default max_shard_size is 5 GB; 2 GiB keeps each file mappable). */
  public static final long SHARD_BYTES = 2L << 30;

  private AdapterMerger() {}

  /**
   * Merges the PEFT adapter in {@code adapterDir} (adapter_config.json + adapter_model.safetensors) into the base;
   * see {@link #merge(Path, LoraAdapter, Path, DType)}.
   */
  public static void merge(Path baseDir, Path adapterDir, Path outDir, DType outputDtype) {
    Ensure.notNull(adapterDir, "adapter");
    merge(baseDir, PeftAdapterIO.read(adapterDir), outDir, outputDtype);
  }

  /**
   * Writes {@code base + adapter} to {@code outDir}, atomically: the checkpoint is written to
   * {@code outDir.partial/} and renamed to {@code outDir} when complete, so an interrupted merge never looks
   * finished. An earlier merged checkpoint in {@code outDir} (a folder with config.json) is replaced; an empty folder
   * is used; any other existing {@code outDir} is refused, never deleted.
   *
   * @param outputDtype F32, F16 or BF16, or null to keep each tensor's dtype
   * @throws ConfigurationException when {@code outDir} is a file or a folder that holds something else
   * @throws StorageException when writing fails (the path is named)
   */
  public static void merge(Path baseDir, LoraAdapter adapter, Path outDir, DType outputDtype) {
    Ensure.notNull(baseDir, "model");
    Ensure.notNull(adapter, "adapter");
    Ensure.notNull(outDir, "outputDir");
    if (outputDtype != null && !outputDtype.isFloating()) {
      throw new UnsupportedFeatureException("outputDtype must be F32, F16 or BF16, was " + outputDtype);
    }
    checkReplaceable(outDir);
    Path tmp = outDir.resolveSibling(outDir.getFileName() + ".partial");
    try {
      AtomicFiles.deleteTree(tmp);
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw new StorageException("cannot create", tmp, e);
    }
    writeMerged(baseDir, adapter, tmp, outputDtype);
    Path old = outDir.resolveSibling(outDir.getFileName() + ".replaced");
    try {
      AtomicFiles.deleteTree(old);
      if (Files.exists(outDir)) {
        Files.move(outDir, old);
      }
      AtomicFiles.moveReplacing(tmp, outDir);
      AtomicFiles.deleteTree(old);
    } catch (IOException e) {
      throw new StorageException("cannot move the merged model " + tmp + " to", outDir, e);
    }
  }

  /** Refuses an output that is a file, or a non-empty folder that is not a Hugging Face checkpoint. */
  private static void checkReplaceable(Path outDir) {
    if (!Files.exists(outDir)) {
      return;
    }
    if (!Files.isDirectory(outDir)) {
      throw new ConfigurationException("cannot merge into " + outDir + ": it is a file, not a folder");
    }
    if (Files.isRegularFile(outDir.resolve("config.json"))) {
      return; // an earlier merged (or any) checkpoint: replaced as a whole
    }
    try (Stream<Path> s = Files.list(outDir)) {
      if (s.findAny().isPresent()) {
        throw new ConfigurationException("cannot merge into " + outDir
            + ": the folder holds files but no config.json (not a checkpoint); choose an empty or new folder");
      }
    } catch (IOException e) {
      throw new StorageException("cannot list", outDir, e);
    }
  }

  private static void writeMerged(Path baseDir, LoraAdapter adapter, Path outDir, DType outputDtype) {
    Qwen2Config cfg = Qwen2Config.load(baseDir);
    boolean adaptsEmbedOrHead = adapter.modules().containsKey("model.embed_tokens")
        || adapter.modules().containsKey("lm_head");
    boolean untie = cfg.tieWordEmbeddings() && adaptsEmbedOrHead;
    double scaling = adapter.config().scaling();
    try {
      try (SafetensorsReader r = SafetensorsReader.open(baseDir)) {
        for (String module : adapter.modules().keySet()) {
          String w = module + ".weight";
          boolean tiedHead = module.equals("lm_head") && cfg.tieWordEmbeddings();
          if (!tiedHead && r.info(w).isEmpty()) {
            throw new ModelFormatException("adapter module '" + module + "' has no weight " + w + " in " + baseDir);
          }
        }
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        for (TensorInfo t : r.tensors().values()) {
          if (!t.dtype().isFloating()) {
            throw new UnsupportedFeatureException("tensor " + t.name() + " in " + t.file() + " has dtype " + t.dtype()
                + "; merging needs a 16- or 32-bit float checkpoint (never a quantized one)");
          }
          String module = t.name().endsWith(".weight") ? t.name().substring(0, t.name().length() - 7) : null;
          LoraPair p = module == null ? null : adapter.modules().get(module);
          DType dt = outputDtype != null ? outputDtype : t.dtype();
          writer.add(t.name(), dt, t.shape(), lazy(r, t.name(), p, scaling));
        }
        if (untie) {
          TensorInfo e = r.info("model.embed_tokens.weight").orElseThrow(() -> new ModelFormatException(
              "model.embed_tokens.weight is missing from " + baseDir));
          DType dt = outputDtype != null ? outputDtype : e.dtype();
          writer.add("lm_head.weight", dt, e.shape(), lazy(r, e.name(), adapter.modules().get("lm_head"), scaling));
        }
        writer.writeSharded(outDir, SHARD_BYTES);
      }
      copyModelFiles(baseDir, outDir, untie);
    } catch (IOException e) {
      throw new StorageException("cannot write merged model to", outDir, e);
    }
    Map<String, String> prov = new LinkedHashMap<>();
    prov.put("operation", "merge LoRA adapter into base");
    prov.put("base_model", baseDir.toAbsolutePath().toString());
    prov.put("lora", adapter.config().toString());
    prov.put("scaling", Double.toString(scaling));
    prov.put("untied_embeddings", Boolean.toString(untie));
    prov.put("output_dtype", outputDtype == null ? "as base" : outputDtype.name());
    Provenance.write(outDir, prov);
  }

  /** Values of {@code name} with the LoRA delta added, read when the writer first asks (one tensor in heap). */
  private static SafetensorsWriter.FloatSource lazy(SafetensorsReader r, String name, LoraPair p, double scaling) {
    float[][] cache = {null};
    return (start, chunk, len) -> {
      if (cache[0] == null || start == 0) {
        float[] w = r.readFloats(name);
        if (p != null) {
          addDelta(w, p, scaling);
        }
        cache[0] = w;
      }
      System.arraycopy(cache[0], (int) start, chunk, 0, len);
      if (start + len == cache[0].length) {
        cache[0] = null;
      }
    };
  }

  /** w += scaling · B·A (linear, w [out, in]) or scaling · (B·A)ᵀ (embedding, w [vocab, hidden]); in double. */
  static void addDelta(float[] w, LoraPair p, double scaling) {
    float[] a = p.a().data();
    float[] b = p.b().data();
    int r = p.rank();
    if (p.kind() == LoraPair.Kind.LINEAR) {
      int out = p.b().shape()[0];
      int in = p.a().shape()[1];
      check(w, (long) out * in, p);
      double[] row = new double[in];
      for (int o = 0; o < out; o++) {
        Arrays.fill(row, 0);
        for (int k = 0; k < r; k++) {
          double bk = b[o * r + k];
          int ak = k * in;
          for (int i = 0; i < in; i++) {
            row[i] += bk * a[ak + i];
          }
        }
        int wo = o * in;
        for (int i = 0; i < in; i++) {
          w[wo + i] = (float) (w[wo + i] + scaling * row[i]);
        }
      }
    } else {
      int hidden = p.b().shape()[0];
      int vocab = p.a().shape()[1];
      check(w, (long) vocab * hidden, p);
      for (int v = 0; v < vocab; v++) {
        for (int h = 0; h < hidden; h++) {
          double s = 0;
          for (int k = 0; k < r; k++) {
            s += (double) b[h * r + k] * a[k * vocab + v];
          }
          w[v * hidden + h] = (float) (w[v * hidden + h] + scaling * s);
        }
      }
    }
  }

  private static void check(float[] w, long expected, LoraPair p) {
    if (w.length != expected) {
      throw new ModelFormatException("LoRA factors A " + Arrays.toString(p.a().shape()) + " / B "
          + Arrays.toString(p.b().shape()) + " do not fit a weight of " + w.length + " elements");
    }
  }

  private static void copyModelFiles(Path baseDir, Path outDir, boolean untie) throws IOException {
    try (Stream<Path> s = Files.list(baseDir)) {
      for (Path f : s.toList()) {
        String n = f.getFileName().toString();
        if (!Files.isRegularFile(f) || n.endsWith(".safetensors") || n.equals("model.safetensors.index.json")
            || n.endsWith(".bin") || n.equals("provenance.json") || n.equals("expected_logits.json")) {
          continue;
        }
        if (n.equals("config.json") && untie) {
          ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
          ObjectNode c = (ObjectNode) m.readTree(f.toFile());
          c.put("tie_word_embeddings", false);
          AtomicFiles.writeString(outDir.resolve(n), m.writeValueAsString(c));
          continue;
        }
        Files.copy(f, outDir.resolve(n), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }
}
