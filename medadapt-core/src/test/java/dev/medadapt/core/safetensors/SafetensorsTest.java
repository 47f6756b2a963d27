package dev.medadapt.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.safetensors.internal.HalfFloats;
import dev.medadapt.core.safetensors.internal.TensorFile;
import dev.medadapt.core.testing.TestResources;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  private static final long SEED = 20261125L;

  @Test
  void roundTripsF32F16Bf16AndRaw(@TempDir Path dir) {
    Random rnd = new Random(SEED);
    float[] a = new float[6 * 5];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) rnd.nextGaussian();
    }
    long[] ids = {3, -1, Long.MAX_VALUE};
    ByteBuffer idBytes = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : ids) {
      idBytes.putLong(v);
    }
    Path f = dir.resolve("t.safetensors");
    new SafetensorsWriter()
        .metadata("format", "pt")
        .add("a32", DType.F32, new long[] {6, 5}, a)
        .add("a16", DType.F16, new long[] {30}, a)
        .add("abf", DType.BF16, new long[] {5, 6}, a)
        .addRaw("ids", DType.I64, new long[] {3}, idBytes.array())
        .write(f);
    try (SafetensorsReader r = SafetensorsReader.open(f)) {
      assertThat(r.metadata()).containsEntry("format", "pt");
      assertThat(r.names()).containsExactlyInAnyOrder("a32", "a16", "abf", "ids");
      assertThat(r.info("abf").orElseThrow().shape()).containsExactly(5, 6);
      assertThat(r.readFloats("a32")).containsExactly(a);
      float[] h = r.readFloats("a16");
      float[] b = r.readFloats("abf");
      for (int i = 0; i < a.length; i++) {
        assertThat(h[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(Math.abs(a[i]) * 0x1p-11f + 1e-7f));
        assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(Math.abs(a[i]) * 0x1p-8f));
        assertThat(b[i]).isEqualTo(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(a[i])));
      }
      assertThat(r.readLongs("ids")).containsExactly(ids);
      // Row by row, each dtype: the same values as the whole read, in order, through one reused array.
      for (String name : new String[] {"a32", "a16", "abf"}) {
        float[] whole = r.readFloats(name);
        float[] rows = new float[whole.length];
        int[] count = {0};
        r.readFloatRows(name, 6, (index, values) -> {
          assertThat(index).isEqualTo(count[0]++);
          System.arraycopy(values, 0, rows, index * 6, 6);
        });
        assertThat(count[0]).as(name).isEqualTo(5);
        assertThat(rows).as(name).containsExactly(whole);
      }
      assertThatThrownBy(() -> r.readFloatRows("a32", 7, (index, values) -> {}))
          .isInstanceOf(ModelFormatException.class).hasMessageContaining("a32").hasMessageContaining("rows of 7");
      assertThatThrownBy(() -> r.readFloatRows("ids", 3, (index, values) -> {}))
          .isInstanceOf(ModelFormatException.class).hasMessageContaining("I64");
      short[] hb = r.readHalfBits("a32");
      for (int i = 0; i < a.length; i++) {
        assertThat(HalfFloats.f16ToFloat(hb[i])).isEqualTo(h[i]);
      }
    }
    assertThat(dir.toFile().list()).containsExactly("t.safetensors"); // no temp file left behind
  }

  @Test
  void headerIsPaddedToEightBytesAndFollowsTheFormat(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("x.safetensors");
    new SafetensorsWriter().add("w", DType.F32, new long[] {2}, new float[] {1f, -2f}).write(f);
    byte[] all = Files.readAllBytes(f);
    long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(n % 8).isZero();
    assertThat(all.length).isEqualTo(8 + n + 8);
    String header = new String(all, 8, (int) n, StandardCharsets.UTF_8).trim();
    assertThat(header).isEqualTo("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
    assertThat(ByteBuffer.wrap(all, 8 + (int) n, 8).order(ByteOrder.LITTLE_ENDIAN).getFloat()).isEqualTo(1f);
  }

  @Test
  void shardedWriteIsReadThroughTheIndex(@TempDir Path dir) throws Exception {
    SafetensorsWriter w = new SafetensorsWriter();
    for (int i = 0; i < 5; i++) {
      float[] v = new float[100];
      Arrays.fill(v, i);
      w.add("t" + i, DType.BF16, new long[] {10, 10}, v);
    }
    List<Path> files = w.writeSharded(dir, 450);
    assertThat(files).hasSize(4); // three shards of 400 + 400 + 200 bytes, plus the index
    assertThat(dir.resolve("model.safetensors.index.json")).exists();
    try (SafetensorsReader r = SafetensorsReader.open(dir)) {
      assertThat(r.names()).hasSize(5);
      assertThat(r.readFloats("t4")[99]).isEqualTo(4f);
      assertThat(r.info("t4").orElseThrow().file().getFileName().toString())
          .isEqualTo("model-00003-of-00003.safetensors");
    }
  }

  @Test
  void readsTheBf16FixtureWidened() {
    try (SafetensorsReader r = SafetensorsReader.open(TestResources.tinyModel("qwen2-tiny-bf16-tied"))) {
      TensorInfo e = r.info("model.embed_tokens.weight").orElseThrow();
      assertThat(e.dtype()).isEqualTo(DType.BF16);
      assertThat(e.shape()).containsExactly(256, 48);
      float[] v = r.readFloats(e.name());
      ByteBuffer raw = r.readRaw(e.name());
      for (int i = 0; i < v.length; i++) {
        assertThat(Float.floatToRawIntBits(v[i])).isEqualTo((raw.getShort(2 * i) & 0xffff) << 16);
      }
    }
  }

  @Test
  void fileRangesAreReadWholeAndOutOfRangeReadsFail(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("w.bin");
    byte[] data = new byte[1000];
    new Random(SEED).nextBytes(data);
    Files.write(f, data);
    try (TensorFile tf = new TensorFile(f)) {
      byte[] got = new byte[300];
      tf.copy(50, got, 0, 300);
      assertThat(got).isEqualTo(Arrays.copyOfRange(data, 50, 350));
      ByteBuffer direct = ByteBuffer.allocateDirect(64);
      tf.read(64, direct);
      assertThat(direct.flip().get(0)).isEqualTo(data[64]);
      assertThat(direct.get(63)).isEqualTo(data[127]);
      assertThatThrownBy(() -> tf.copy(990, new byte[20], 0, 20))
          .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("w.bin");
    }
  }

  @Test
  void f16ConversionIsExactOnAllValues() {
    for (int bits = 0; bits < 0x10000; bits++) {
      short h = (short) bits;
      float f = HalfFloats.f16ToFloat(h);
      if (Float.isNaN(f)) {
        assertThat(HalfFloats.floatToF16(f) & 0x7c00).isEqualTo(0x7c00);
        continue;
      }
      assertThat(HalfFloats.floatToF16(f)).as("bits %04x", bits).isEqualTo(h);
    }
    assertThat(HalfFloats.floatToF16(1e6f)).isEqualTo((short) 0x7c00);
    assertThat(HalfFloats.floatToF16(1.0f + 0x1p-11f)).isEqualTo((short) 0x3c00); // tie to even
    assertThat(HalfFloats.floatToF16(1.0f + 0x1p-11f + 0x1p-20f)).isEqualTo((short) 0x3c01);
    assertThat(HalfFloats.floatToBf16(1.0f + 0x1p-8f)).isEqualTo((short) 0x3f80); // tie to even
  }

  // ---- bad input: each error names the file and the tensor ----

  private static Path writeRaw(Path dir, String header, int dataBytes) throws Exception {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    Path f = dir.resolve("bad.safetensors");
    Files.write(f, b.array());
    return f;
  }

  @Test
  void truncatedFileIsRefused(@TempDir Path dir) throws Exception {
    Path good = dir.resolve("good.safetensors");
    new SafetensorsWriter().add("w", DType.F32, new long[] {64}, new float[64]).write(good);
    byte[] all = Files.readAllBytes(good);
    Path f = dir.resolve("cut.safetensors");
    Files.write(f, Arrays.copyOf(all, all.length - 10));
    assertThatThrownBy(() -> SafetensorsReader.open(f))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("tensor w")
        .hasMessageContaining("past the end");
    Files.write(f, Arrays.copyOf(all, 5));
    assertThatThrownBy(() -> SafetensorsReader.open(f))
        .isInstanceOf(ModelFormatException.class).hasMessageContaining(f.toString()).hasMessageContaining("truncated");
    Files.write(f, Arrays.copyOf(all, 20));
    assertThatThrownBy(() -> SafetensorsReader.open(f))
        .isInstanceOf(ModelFormatException.class).hasMessageContaining(f.toString()).hasMessageContaining("truncated");
  }

  @Test
  void offsetsPastEofAreRefused(@TempDir Path dir) throws Exception {
    Path f = writeRaw(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 16);
    assertThatThrownBy(() -> SafetensorsReader.open(f))
        .isInstanceOf(ModelFormatException.class).hasMessageContaining(f.toString()).hasMessageContaining("tensor w");
  }

  @Test
  void overlappingTensorsAreRefused(@TempDir Path dir) throws Exception {
    Path f = writeRaw(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
    assertThatThrownBy(() -> SafetensorsReader.open(f))
        .isInstanceOf(ModelFormatException.class).hasMessageContaining("overlap").hasMessageContaining(" a ")
        .hasMessageContaining(" b ");
  }

  @Test
  void unknownDtypeAndShapeMismatchAreRefused(@TempDir Path dir) throws Exception {
    Path f = writeRaw(dir, "{\"w\":{\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
    assertThatThrownBy(() -> SafetensorsReader.open(f))
        .isInstanceOf(ModelFormatException.class).hasMessageContaining("tensor w").hasMessageContaining("F8");
    Path g = writeRaw(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
    assertThatThrownBy(() -> SafetensorsReader.open(g))
        .isInstanceOf(ModelFormatException.class).hasMessageContaining("tensor w").hasMessageContaining("12 bytes");
  }

  @Test
  void absurdHeaderLengthAndBadJsonAreRefused(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("huge.safetensors");
    Files.write(f, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).array());
    assertThatThrownBy(() -> SafetensorsReader.open(f))
        .isInstanceOf(ModelFormatException.class).hasMessageContaining(f.toString()).hasMessageContaining("header length");
    Path g = writeRaw(dir, "{\"w\": [1, 2", 0);
    assertThatThrownBy(() -> SafetensorsReader.open(g))
        .isInstanceOf(ModelFormatException.class).hasMessageContaining(g.toString()).hasMessageContaining("JSON");
  }

  @Test
  void pickleOnlyFolderIsRefusedWithConversionHint(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
    assertThatThrownBy(() -> SafetensorsReader.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("pytorch_model.bin")
        .hasMessageContaining("safetensors")
        .hasMessageContaining(dir.toString());
  }

  @Test
  void indexNamingAMissingShardIsRefused(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("model.safetensors.index.json"),
        "{\"weight_map\": {\"w\": \"model-00001-of-00002.safetensors\"}}");
    assertThatThrownBy(() -> SafetensorsReader.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("model-00001-of-00002.safetensors")
        .hasMessageContaining("w");
  }
}
