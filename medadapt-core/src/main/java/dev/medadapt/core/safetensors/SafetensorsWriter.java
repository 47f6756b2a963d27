package dev.medadapt.core.safetensors;

import dev.medadapt.core.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.safetensors.internal.HalfFloats;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files that Hugging Face {@code safetensors.safe_open} reads: tensors from float
 * values stored as F32, F16 or BF16 (rounded to nearest even), or raw bytes of any dtype. Each file
 * is written to a temporary file in the target folder and renamed into place, so a crash never
 * leaves a half-written checkpoint under the final name.
 *
 * <pre>{@code
 * new SafetensorsWriter()
 *     .metadata("format", "pt")
 *     .add("lora_A.weight", DType.F32, new long[] {8, 1536}, values)
 *     .write(dir.resolve("adapter_model.safetensors"));
 * }</pre>
 *
 * <p>Large tensors can be produced chunk by chunk with {@link FloatSource} so they never sit in the
 * heap at once.
 */
public final class SafetensorsWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Produces the values of a float tensor in order, one chunk at a time. */
  @FunctionalInterface
  public interface FloatSource {
    /** Fills {@code chunk[0..len)} with elements {@code [start, start+len)} of the tensor. */
    void fill(long start, float[] chunk, int len);
  }

  private record Entry(String name, DType dtype, long[] shape, FloatSource floats, byte[] raw) {
    long bytes() {
      long n = dtype.byteSize();
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  /** Adds one {@code __metadata__} string (Transformers expects {@code "format": "pt"}). */
  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(Ensure.notBlank(key, "metadata key"), Ensure.notNull(value, "metadata value"));
    return this;
  }

  /** Adds a float tensor stored as {@code dtype} (F32, F16 or BF16). */
  public SafetensorsWriter add(String name, DType dtype, long[] shape, float[] values) {
    Ensure.notNull(values, "values");
    long numel = numel(shape, name);
    if (numel != values.length) {
      throw new ConfigurationException("tensor " + name + ": shape " + java.util.Arrays.toString(shape)
          + " has " + numel + " elements but " + values.length + " values were given");
    }
    return add(name, dtype, shape, (start, chunk, len) -> System.arraycopy(values, (int) start, chunk, 0, len));
  }

  /** Adds a float tensor whose values are produced chunk by chunk. */
  public SafetensorsWriter add(String name, DType dtype, long[] shape, FloatSource values) {
    if (!Ensure.notNull(dtype, "dtype").isFloating()) {
      throw new ConfigurationException("tensor " + name + ": float values can be stored as F32, F16 or BF16, not " + dtype);
    }
    numel(shape, name);
    put(new Entry(Ensure.notBlank(name, "tensor name"), dtype, shape.clone(), Ensure.notNull(values, "values"), null));
    return this;
  }

  /** Adds a tensor from its raw little-endian bytes. */
  public SafetensorsWriter addRaw(String name, DType dtype, long[] shape, byte[] bytes) {
    Entry e = new Entry(Ensure.notBlank(name, "tensor name"), Ensure.notNull(dtype, "dtype"), shape.clone(), null,
        Ensure.notNull(bytes, "bytes"));
    if (e.bytes() != bytes.length) {
      throw new ConfigurationException("tensor " + name + ": shape x " + dtype + " needs " + e.bytes()
          + " bytes, " + bytes.length + " given");
    }
    put(e);
    return this;
  }

  private void put(Entry e) {
    if (e.name().equals("__metadata__") || entries.putIfAbsent(e.name(), e) != null) {
      throw new ConfigurationException("tensor name " + e.name() + " is reserved or already added");
    }
  }

  private static long numel(long[] shape, String name) {
    Ensure.notNull(shape, "shape");
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new ConfigurationException("tensor " + name + ": negative dimension in " + java.util.Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Writes all tensors to one file, atomically. */
  public void write(Path file) {
    writeFile(file, new ArrayList<>(entries.values()));
  }

  /**
   * Writes shards of at most {@code maxShardBytes} of tensor data each (a larger single tensor gets
   * its own shard) named like Transformers' {@code model-00001-of-00003.safetensors}, plus
   * {@code model.safetensors.index.json}; with one shard, writes {@code model.safetensors} only.
   *
   * @return the files written
   */
  public List<Path> writeSharded(Path dir, long maxShardBytes) {
    Ensure.between(maxShardBytes, 1, Long.MAX_VALUE, "maxShardBytes");
    List<List<Entry>> shards = new ArrayList<>();
    List<Entry> cur = new ArrayList<>();
    long curBytes = 0;
    for (Entry e : entries.values()) {
      if (!cur.isEmpty() && curBytes + e.bytes() > maxShardBytes) {
        shards.add(cur);
        cur = new ArrayList<>();
        curBytes = 0;
      }
      cur.add(e);
      curBytes += e.bytes();
    }
    shards.add(cur);
    try {
      Files.createDirectories(dir);
    } catch (IOException ex) {
      throw new ModelFormatException("cannot create " + dir + ": " + ex.getMessage(), ex);
    }
    if (shards.size() == 1) {
      Path f = dir.resolve("model.safetensors");
      writeFile(f, shards.get(0));
      return List.of(f);
    }
    List<Path> written = new ArrayList<>();
    ObjectNode index = JSON.createObjectNode();
    long total = entries.values().stream().mapToLong(Entry::bytes).sum();
    index.putObject("metadata").put("total_size", total);
    ObjectNode map = index.putObject("weight_map");
    for (int i = 0; i < shards.size(); i++) {
      String fname = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
      Path f = dir.resolve(fname);
      writeFile(f, shards.get(i));
      written.add(f);
      for (Entry e : shards.get(i)) {
        map.put(e.name(), fname);
      }
    }
    Path indexFile = dir.resolve("model.safetensors.index.json");
    try {
      writeAtomically(indexFile, out -> out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index)));
    } catch (IOException ex) {
      throw new ModelFormatException("cannot write " + indexFile + ": " + ex.getMessage(), ex);
    }
    written.add(indexFile);
    return written;
  }

  private void writeFile(Path file, List<Entry> list) {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode m = header.putObject("__metadata__");
      metadata.forEach(m::put);
    }
    long off = 0;
    for (Entry e : list) {
      ObjectNode t = header.putObject(e.name());
      t.put("dtype", e.dtype().name());
      ArrayNode s = t.putArray("shape");
      for (long d : e.shape()) {
        s.add(d);
      }
      t.putArray("data_offsets").add(off).add(off + e.bytes());
      off += e.bytes();
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (IOException ex) {
      throw new ModelFormatException("cannot encode header for " + file, ex);
    }
    // The format pads the header with spaces so the data section starts 8-byte aligned.
    int padded = (json.length + 7) / 8 * 8;
    try {
      writeAtomically(file, out -> {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        out.write(len.array());
        out.write(json);
        for (int i = json.length; i < padded; i++) {
          out.write(' ');
        }
        for (Entry e : list) {
          writeData(out, e);
        }
      });
    } catch (IOException ex) {
      throw new ModelFormatException("cannot write " + file + ": " + ex.getMessage(), ex);
    }
  }

  private static void writeData(OutputStream out, Entry e) throws IOException {
    if (e.raw() != null) {
      out.write(e.raw());
      return;
    }
    long numel = e.bytes() / e.dtype().byteSize();
    int chunk = 1 << 20;
    float[] buf = new float[(int) Math.min(chunk, Math.max(1, numel))];
    ByteBuffer bytes = ByteBuffer.allocate(buf.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (long start = 0; start < numel; start += buf.length) {
      int n = (int) Math.min(buf.length, numel - start);
      e.floats().fill(start, buf, n);
      bytes.clear();
      switch (e.dtype()) {
        case F32 -> {
          for (int i = 0; i < n; i++) {
            bytes.putFloat(buf[i]);
          }
        }
        case F16 -> {
          for (int i = 0; i < n; i++) {
            bytes.putShort(HalfFloats.floatToF16(buf[i]));
          }
        }
        case BF16 -> {
          for (int i = 0; i < n; i++) {
            bytes.putShort(HalfFloats.floatToBf16(buf[i]));
          }
        }
        default -> throw new IllegalStateException(e.dtype().name());
      }
      out.write(bytes.array(), 0, bytes.position());
    }
  }

  private interface Body {
    void write(OutputStream out) throws IOException;
  }

  private static void writeAtomically(Path file, Body body) throws IOException {
    AtomicFiles.write(file, body::write);
  }

}
