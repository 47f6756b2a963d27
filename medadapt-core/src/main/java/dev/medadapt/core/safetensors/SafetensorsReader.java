package dev.medadapt.core.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.safetensors.internal.HalfFloats;
import dev.medadapt.core.safetensors.internal.TensorFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads Hugging Face safetensors checkpoints with positional file reads: one file, or the shards listed in
 * {@code model.safetensors.index.json}, of any size (files over 2 GiB included). Every header is
 * validated when the reader opens, so later reads cannot run past a file.
 *
 * <p>Floating tensors (F32, F16, BF16) are widened to float32 in Java ({@link #readFloats}); BF16 never
 * becomes a native BF16 tensor. Integer tensors are returned raw ({@link #readRaw}).
 *
 * <pre>{@code
 * try (SafetensorsReader r = SafetensorsReader.open(Path.of("model-dir"))) {
 *   float[] w = r.readFloats("model.embed_tokens.weight");
 * }
 * }</pre>
 *
 * <p>Never reads pickle files: a folder holding only {@code pytorch_model.bin} is refused.
 */
public final class SafetensorsReader implements AutoCloseable {
  /** The safetensors reference implementation refuses headers above 100 MB ({@code MAX_HEADER_SIZE}). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, TensorInfo> tensors;
  private final Map<Path, TensorFile> files;
  private final Map<Path, Long> dataStart;
  private final Map<String, String> metadata;

  private SafetensorsReader(
      Map<String, TensorInfo> tensors, Map<Path, TensorFile> files, Map<Path, Long> dataStart,
      Map<String, String> metadata) {
    this.tensors = Collections.unmodifiableMap(tensors);
    this.files = files;
    this.dataStart = dataStart;
    this.metadata = Collections.unmodifiableMap(metadata);
  }

  /**
   * Opens a {@code .safetensors} file, a {@code model.safetensors.index.json}, or a model folder
   * (which must hold {@code model.safetensors} or {@code model.safetensors.index.json}).
   */
  public static SafetensorsReader open(Path path) {
    if (Files.isDirectory(path)) {
      Path single = path.resolve("model.safetensors");
      Path index = path.resolve("model.safetensors.index.json");
      if (Files.isRegularFile(single)) {
        return openFiles(List.of(single), null);
      }
      if (Files.isRegularFile(index)) {
        return openIndex(index);
      }
      if (Files.exists(path.resolve("pytorch_model.bin"))
          || Files.exists(path.resolve("pytorch_model.bin.index.json"))) {
        throw new ModelFormatException(path + " holds only pytorch_model.bin (a Python pickle), which MedAdapt "
            + "never loads because unpickling can run arbitrary code. Convert it to safetensors first, e.g. "
            + "in Python: AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True)");
      }
      throw new ModelFormatException(
          "no weights in " + path + ": expected model.safetensors or model.safetensors.index.json");
    }
    if (!Files.isRegularFile(path)) {
      throw new ModelFormatException("safetensors file not found: " + path);
    }
    if (path.getFileName().toString().endsWith(".index.json")) {
      return openIndex(path);
    }
    if (path.getFileName().toString().endsWith(".bin")) {
      throw new ModelFormatException(path + " is a pickle checkpoint; convert it to safetensors (never unpickled)");
    }
    return openFiles(List.of(path), null);
  }

  private static SafetensorsReader openIndex(Path index) {
    JsonNode root;
    try {
      root = JSON.readTree(index.toFile());
    } catch (IOException e) {
      throw new ModelFormatException("cannot parse " + index + ": " + e.getMessage(), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new ModelFormatException(index + ": field weight_map (tensor name -> shard file) is missing");
    }
    Map<String, Path> weightMap = new LinkedHashMap<>();
    List<Path> shards = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new ModelFormatException(index + ": weight_map." + e.getKey() + " must be a file name");
      }
      String shardName = e.getValue().asText();
      if (shardName.contains("/") || shardName.contains("\\") || shardName.equals("..")) {
        throw new ModelFormatException(index + ": weight_map." + e.getKey() + " must name a file in the same folder, was " + shardName);
      }
      Path shard = index.resolveSibling(shardName);
      if (!Files.isRegularFile(shard)) {
        throw new ModelFormatException(index + ": shard " + shard + " of tensor " + e.getKey() + " does not exist");
      }
      weightMap.put(e.getKey(), shard);
      if (!shards.contains(shard)) {
        shards.add(shard);
      }
    }
    return openFiles(shards, weightMap);
  }

  private static SafetensorsReader openFiles(List<Path> paths, Map<String, Path> weightMap) {
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<Path, TensorFile> files = new LinkedHashMap<>();
    Map<Path, Long> starts = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    try {
      for (Path p : paths) {
        TensorFile mf;
        try {
          mf = new TensorFile(p);
        } catch (IOException e) {
          throw new ModelFormatException("cannot open " + p + ": " + e.getMessage(), e);
        }
        files.put(p, mf);
        long start = parseHeader(mf, tensors, metadata);
        starts.put(p, start);
      }
      if (weightMap != null) {
        for (Map.Entry<String, Path> e : weightMap.entrySet()) {
          TensorInfo t = tensors.get(e.getKey());
          if (t == null || !t.file().equals(e.getValue())) {
            throw new ModelFormatException("index lists tensor " + e.getKey() + " in " + e.getValue()
                + " but that file's header has no such tensor");
          }
        }
      }
    } catch (RuntimeException e) {
      files.values().forEach(TensorFile::close);
      throw e;
    }
    return new SafetensorsReader(tensors, files, starts, metadata);
  }

  /** Validates one header and adds its tensors; returns the file offset of the data section. */
  private static long parseHeader(TensorFile mf, Map<String, TensorInfo> out, Map<String, String> metadata) {
    Path p = mf.path();
    long size = mf.size();
    if (size < 8) {
      throw new ModelFormatException(p + " is truncated: " + size + " bytes, shorter than the 8-byte header length");
    }
    byte[] lenBytes = new byte[8];
    mf.copy(0, lenBytes, 0, 8);
    long headerLen = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
      throw new ModelFormatException(p + ": header length " + Long.toUnsignedString(headerLen)
          + " is outside [2, " + MAX_HEADER_BYTES + "]; not a safetensors file or corrupted");
    }
    if (8 + headerLen > size) {
      throw new ModelFormatException(p + " is truncated: header claims " + headerLen + " bytes but the file has "
          + size + " bytes");
    }
    byte[] header = new byte[(int) headerLen];
    mf.copy(8, header, 0, header.length);
    JsonNode root;
    try {
      root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ModelFormatException(p + ": header is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ModelFormatException(p + ": header must be a JSON object");
    }
    long dataStart = 8 + headerLen;
    long dataSize = size - dataStart;
    List<TensorInfo> infos = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (name.equals("__metadata__")) {
        if (!v.isObject()) {
          throw new ModelFormatException(p + ": __metadata__ must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext(); ) {
          Map.Entry<String, JsonNode> kv = m.next();
          if (!kv.getValue().isTextual()) {
            throw new ModelFormatException(p + ": __metadata__." + kv.getKey() + " must be a string");
          }
          metadata.put(kv.getKey(), kv.getValue().asText());
        }
        continue;
      }
      String where = p + ": tensor " + name;
      if (!v.isObject()) {
        throw new ModelFormatException(where + ": entry must be an object with dtype, shape, data_offsets");
      }
      JsonNode dt = v.get("dtype");
      if (dt == null || !dt.isTextual()) {
        throw new ModelFormatException(where + ": dtype is missing");
      }
      DType dtype = DType.byName(dt.asText()).orElseThrow(() -> new ModelFormatException(
          where + ": unknown dtype " + dt.asText() + "; known: " + java.util.Arrays.toString(DType.values())));
      JsonNode sh = v.get("shape");
      if (sh == null || !sh.isArray()) {
        throw new ModelFormatException(where + ": shape must be a list of integers");
      }
      long[] shape = new long[sh.size()];
      long numel = 1;
      for (int i = 0; i < shape.length; i++) {
        JsonNode d = sh.get(i);
        if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
          throw new ModelFormatException(where + ": shape " + sh + " has an invalid dimension " + d);
        }
        shape[i] = d.asLong();
        try {
          numel = Math.multiplyExact(numel, shape[i]);
        } catch (ArithmeticException ex) {
          throw new ModelFormatException(where + ": shape " + sh + " overflows", ex);
        }
      }
      JsonNode off = v.get("data_offsets");
      if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong()
          || !off.get(1).canConvertToLong() || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
        throw new ModelFormatException(where + ": data_offsets must be [begin, end]");
      }
      long begin = off.get(0).asLong();
      long end = off.get(1).asLong();
      if (begin < 0 || end < begin) {
        throw new ModelFormatException(where + ": data_offsets " + off + " are not an ordered range");
      }
      if (end > dataSize) {
        throw new ModelFormatException(where + ": data_offsets " + off + " run past the end of the file (data section has "
            + dataSize + " bytes; file truncated?)");
      }
      long expected;
      try {
        expected = Math.multiplyExact(numel, dtype.byteSize());
      } catch (ArithmeticException ex) {
        throw new ModelFormatException(where + ": shape " + sh + " overflows", ex);
      }
      if (end - begin != expected) {
        throw new ModelFormatException(where + ": shape " + sh + " x " + dtype + " needs " + expected
            + " bytes but data_offsets " + off + " span " + (end - begin));
      }
      if (out.containsKey(name)) {
        throw new ModelFormatException(where + ": also defined in " + out.get(name).file());
      }
      infos.add(new TensorInfo(name, dtype, shape, p, begin, end));
    }
    infos.sort(Comparator.comparingLong(TensorInfo::dataBegin).thenComparingLong(TensorInfo::dataEnd));
    for (int i = 1; i < infos.size(); i++) {
      TensorInfo a = infos.get(i - 1);
      TensorInfo b = infos.get(i);
      if (b.dataBegin() < a.dataEnd()) {
        throw new ModelFormatException(p + ": tensors " + a.name() + " [" + a.dataBegin() + ", " + a.dataEnd()
            + ") and " + b.name() + " [" + b.dataBegin() + ", " + b.dataEnd() + ") overlap");
      }
    }
    for (TensorInfo t : infos) {
      out.put(t.name(), t);
    }
    return dataStart;
  }

  /** All tensors by name. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** Tensor names. */
  public Set<String> names() {
    return tensors.keySet();
  }

  /** The entry named {@code name}, if present. */
  public Optional<TensorInfo> info(String name) {
    return Optional.ofNullable(tensors.get(name));
  }

  /** The {@code __metadata__} string map (merged over shards). */
  public Map<String, String> metadata() {
    return metadata;
  }

  private TensorInfo require(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new ModelFormatException("tensor " + name + " not found in " + files.keySet());
    }
    return t;
  }

  /** Widened float32 values of a F32, F16 or BF16 tensor, row-major. */
  public float[] readFloats(String name) {
    TensorInfo t = require(name);
    if (t.numel() > Integer.MAX_VALUE - 8) {
      throw new ModelFormatException(t + " has " + t.numel() + " elements, too many for one Java array; use readFloats(name, FloatBuffer)");
    }
    float[] out = new float[(int) t.numel()];
    readFloats(name, FloatBuffer.wrap(out));
    return out;
  }

  /** Writes the widened float32 values of a F32, F16 or BF16 tensor into {@code dst} at its position. */
  public void readFloats(String name, FloatBuffer dst) {
    TensorInfo t = require(name);
    if (!t.dtype().isFloating()) {
      throw new ModelFormatException(t + ": expected F32, F16 or BF16 to read as floats, found " + t.dtype());
    }
    if (dst.remaining() < t.numel()) {
      throw new IllegalArgumentException("buffer has " + dst.remaining() + " floats left, " + t + " needs " + t.numel());
    }
    int es = t.dtype().byteSize();
    forEachChunk(t, chunk -> widen(t.dtype(), chunk, chunk.remaining() / es, dst));
  }

  /** Receives one row of a tensor read row by row; {@code values} is reused for the next row. */
  @FunctionalInterface
  public interface RowSink {
    void row(int index, float[] values);
  }

  /**
   * Hands the widened float32 values of a F32, F16 or BF16 tensor to {@code sink} {@code rowLength} at a time, in
   * order (row-major rows of a 2-D tensor), through one reused array: no array of the whole tensor, for a matrix too
   * large to hold twice.
   *
   * @throws ModelFormatException when the tensor is not floating or its size is not a multiple of {@code rowLength}
   */
  public void readFloatRows(String name, int rowLength, RowSink sink) {
    TensorInfo t = require(name);
    if (!t.dtype().isFloating()) {
      throw new ModelFormatException(t + ": expected F32, F16 or BF16 to read as floats, found " + t.dtype());
    }
    if (rowLength < 1 || t.numel() % rowLength != 0) {
      throw new ModelFormatException(t + " does not split into rows of " + rowLength + " elements");
    }
    int es = t.dtype().byteSize();
    float[] row = new float[rowLength];
    FloatBuffer dst = FloatBuffer.wrap(row);
    int[] rows = {0};
    forEachChunk(t, chunk -> {
      while (chunk.hasRemaining()) {
        widen(t.dtype(), chunk, Math.min(dst.remaining(), chunk.remaining() / es), dst);
        if (!dst.hasRemaining()) {
          sink.row(rows[0]++, row);
          dst.clear();
        }
      }
    });
  }

  /** Widens the next {@code n} elements of {@code src} (little-endian F32, BF16 or F16) into {@code dst}. */
  private static void widen(DType dtype, ByteBuffer src, int n, FloatBuffer dst) {
    switch (dtype) {
      case F32 -> {
        dst.put(src.asFloatBuffer().limit(n));
        src.position(src.position() + 4 * n);
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          dst.put(HalfFloats.bf16ToFloat(src.getShort()));
        }
      }
      case F16 -> {
        for (int i = 0; i < n; i++) {
          dst.put(HalfFloats.f16ToFloat(src.getShort()));
        }
      }
      default -> throw new IllegalStateException(dtype.toString());
    }
  }

  /** IEEE float16 bits of a F32, F16 or BF16 tensor (rounded to nearest even when narrowing). */
  public short[] readHalfBits(String name) {
    TensorInfo t = require(name);
    if (t.numel() > Integer.MAX_VALUE - 8) {
      throw new ModelFormatException(t + " has " + t.numel() + " elements, too many for one Java array; use readHalfBits(name, ShortBuffer)");
    }
    short[] out = new short[(int) t.numel()];
    readHalfBits(name, ShortBuffer.wrap(out));
    return out;
  }

  /**
   * Writes the IEEE float16 bits of a F32, F16 or BF16 tensor into {@code dst} at its position, chunk by
   * chunk (no whole-tensor temporary): F16 is copied, F32 and BF16 are rounded to nearest even.
   */
  public void readHalfBits(String name, ShortBuffer dst) {
    TensorInfo t = require(name);
    if (!t.dtype().isFloating()) {
      throw new ModelFormatException(t + ": expected F32, F16 or BF16 to read as float16, found " + t.dtype());
    }
    if (dst.remaining() < t.numel()) {
      throw new IllegalArgumentException("buffer has " + dst.remaining() + " shorts left, " + t + " needs " + t.numel());
    }
    int es = t.dtype().byteSize();
    forEachChunk(t, chunk -> {
      int n = chunk.remaining() / es;
      switch (t.dtype()) {
        case F16 -> dst.put(chunk.asShortBuffer());
        case BF16 -> {
          for (int i = 0; i < n; i++) {
            dst.put(HalfFloats.floatToF16(HalfFloats.bf16ToFloat(chunk.getShort(i * 2))));
          }
        }
        case F32 -> {
          for (int i = 0; i < n; i++) {
            dst.put(HalfFloats.floatToF16(chunk.getFloat(i * 4)));
          }
        }
        default -> throw new IllegalStateException();
      }
    });
  }

  /**
   * Hands the raw little-endian bytes of tensor {@code name} to {@code sink} in order, a chunk of whole elements at a
   * time (no whole-tensor buffer). A chunk is valid only during the call.
   */
  public void readRaw(String name, java.util.function.Consumer<ByteBuffer> sink) {
    forEachChunk(require(name), sink);
  }

  /** The raw little-endian bytes of any tensor (integer tensors are read this way). */
  public ByteBuffer readRaw(String name) {
    TensorInfo t = require(name);
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(t.byteLength())).order(ByteOrder.LITTLE_ENDIAN);
    forEachChunk(t, out::put);
    return out.flip();
  }

  /** Values of an I64 tensor. */
  public long[] readLongs(String name) {
    TensorInfo t = require(name);
    if (t.dtype() != DType.I64) {
      throw new ModelFormatException(t + ": expected I64, found " + t.dtype());
    }
    long[] out = new long[Math.toIntExact(t.numel())];
    readRaw(name).asLongBuffer().get(out);
    return out;
  }

  /** Values of an I32 tensor. */
  public int[] readInts(String name) {
    TensorInfo t = require(name);
    if (t.dtype() != DType.I32) {
      throw new ModelFormatException(t + ": expected I32, found " + t.dtype());
    }
    int[] out = new int[Math.toIntExact(t.numel())];
    readRaw(name).asIntBuffer().get(out);
    return out;
  }

  /** Chunks of whole elements, at most 16 MiB each, little-endian. */
  private void forEachChunk(TensorInfo t, java.util.function.Consumer<ByteBuffer> sink) {
    TensorFile mf = files.get(t.file());
    if (mf == null) {
      throw new IllegalStateException("reader closed");
    }
    long base = dataStart.get(t.file()) + t.dataBegin();
    long len = t.byteLength();
    int es = t.dtype().byteSize();
    int max = CHUNK_BYTES / es * es;
    // Positional reads into one reused buffer (see TensorFile on why not a memory map).
    synchronized (this) {
      if (chunk == null) {
        chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
      }
      for (long done = 0; done < len; ) {
        int n = (int) Math.min(max, len - done);
        ByteBuffer buf = chunk.clear().limit(n);
        mf.read(base + done, buf);
        sink.accept(buf.flip().slice().order(ByteOrder.LITTLE_ENDIAN));
        done += n;
      }
    }
  }

  private static final int CHUNK_BYTES = 16 << 20;
  /** The read buffer of {@link #forEachChunk}, allocated on first use. */
  private ByteBuffer chunk;

  /** Closes the files and frees the read buffer. */
  @Override
  public void close() {
    files.values().forEach(TensorFile::close);
    synchronized (this) {
      dev.medadapt.core.safetensors.internal.DirectBuffers.free(chunk);
      chunk = null;
    }
  }
}
