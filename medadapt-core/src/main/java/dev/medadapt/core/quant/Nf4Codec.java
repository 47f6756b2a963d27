package dev.medadapt.core.quant;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.safetensors.internal.HalfFloats;
import java.nio.Buffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;

/**
 * NF4 (4-bit NormalFloat, QLoRA: Dettmers et al. 2023, arXiv:2305.14314) quantization compatible
 * with bitsandbytes' {@code quantize_4bit(quant_type="nf4")} / {@code dequantize_4bit}:
 *
 * <ul>
 *   <li>the 16-value codebook of bitsandbytes ({@link #CODEBOOK});
 *   <li>per block of {@code blockSize} (64) elements, {@code absmax = max|x|}, each element scaled
 *       by {@code x * (1 / absmax)} in float32 and mapped to the nearest code (ties to the lower
 *       code, as {@code argmin} and the CUDA decision tree do);
 *   <li>two codes per byte, the first element in the high nibble
 *       ({@code packed = q[::2] << 4 | q[1::2]}); an odd element count is padded with the code of
 *       0.0 as bitsandbytes pads the scaled input with 0;
 *   <li>optional double quantization of the absmax values ({@code compress_statistics=True}):
 *       subtract their mean, quantize blockwise (256 per block) to 8 bits with bitsandbytes'
 *       signed dynamic map ({@code create_dynamic_map(signed=True)}), nearest code.
 * </ul>
 *
 * <p>Sources: bitsandbytes {@code bitsandbytes/backends/utils.py} ({@code _NF4_QUANT_TABLE}),
 * {@code bitsandbytes/backends/default/ops.py} ({@code quantize_4bit}, {@code _dequantize_4bit_impl},
 * {@code quantize_blockwise}), {@code bitsandbytes/functional.py} ({@code quantize_4bit} with
 * {@code compress_statistics}, {@code create_dynamic_map}).
 *
 * <p>Checked bit for bit against a numpy transcription of bitsandbytes' default backend
 * (testdata/quant, {@code Nf4ReferenceTest}): codes, absmax, the dynamic map (computed here in
 * float32 following torch's {@code linspace}), nested codes and scales. Known deviation: the
 * double-quantization offset is the float64 mean of the absmax values rounded to float32; torch's
 * float32 reduction may differ in the last bit. An all-zero block gives NaN scaled values and code
 * 0, as in bitsandbytes, and decodes to -0.0. A checkpoint's own stored map can be passed to
 * {@link #dequantizeAbsmax(Nf4Tensor.DoubleQuant, float[], float[])}.
 *
 * <pre>{@code
 * Nf4Codec nf4 = Nf4Codec.builder().doubleQuant(true).build();
 * Nf4Tensor q = nf4.quantize(weights, 1536, 8960);
 * float[] buffer = new float[1536 * 8960];   // reused layer after layer
 * nf4.dequantize(q, buffer);
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class Nf4Codec {
  /**
   * The NF4 code values, index = 4-bit code (bitsandbytes {@code _NF4_QUANT_TABLE}; also
   * {@code nf4_dequantization_lut} in {@code csrc/kernels.cu}).
   */
  private static final float[] CODEBOOK = {
    -1.0f,
    -0.6961928009986877f,
    -0.5250730514526367f,
    -0.39491748809814453f,
    -0.28444138169288635f,
    -0.18477343022823334f,
    -0.09105003625154495f,
    0.0f,
    0.07958029955625534f,
    0.16093020141124725f,
    0.24611230194568634f,
    0.33791524171829224f,
    0.44070982933044434f,
    0.5626170039176941f,
    0.7229568362236023f,
    1.0f,
  };

  /** Code of 0.0 (used for padding). */
  static final int ZERO_CODE = 7;

  /** Decision thresholds: midpoints between neighbouring codes (the constants of dQuantizeNF4). */
  private static final float[] THRESHOLDS = new float[15];

  /** bitsandbytes' signed 8-bit dynamic map (256 sorted values in [-1, 1]). */
  private static final float[] DYNAMIC_MAP = dynamicMap();

  /**
   * Fast exact encoder: [-1, 1] cut into {@link #BINS} bins; per bin the number of thresholds
   * surely below any value that can land in it, and the one threshold (or +inf) that must still be
   * compared. Bins are padded by one bin width on each side so that float rounding of the bin
   * index cannot give a wrong code; thresholds are >= 0.08 apart, so at most one falls in a padded bin.
   */
  private static final int BINS = 4096;

  private static final byte[] BIN_BASE = new byte[BINS];
  private static final float[] BIN_THRESHOLD = new float[BINS];

  static {
    for (int i = 0; i < 15; i++) {
      THRESHOLDS[i] = (float) (((double) CODEBOOK[i] + CODEBOOK[i + 1]) / 2.0);
    }
    double width = 2.0 / BINS;
    for (int b = 0; b < BINS; b++) {
      double lo = -1.0 + b * width - width;
      double hi = -1.0 + (b + 1) * width + width;
      int base = 0;
      float candidate = Float.POSITIVE_INFINITY;
      for (float t : THRESHOLDS) {
        if (t < lo) {
          base++;
        } else if (t <= hi) {
          if (candidate != Float.POSITIVE_INFINITY) {
            throw new IllegalStateException("two NF4 thresholds in one bin");
          }
          candidate = t;
        }
      }
      BIN_BASE[b] = (byte) base;
      BIN_THRESHOLD[b] = candidate;
    }
  }

  private final int blockSize;
  private final boolean doubleQuant;
  private final int nestedBlockSize;

  private Nf4Codec(Builder b) {
    this.blockSize = b.blockSize;
    this.doubleQuant = b.doubleQuant;
    this.nestedBlockSize = b.nestedBlockSize;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The 16 NF4 values, index = code. */
  public static float[] codebook() {
    return CODEBOOK.clone();
  }

  /** bitsandbytes' signed dynamic 8-bit map used for double quantization. */
  public static float[] dynamicMapTable() {
    return DYNAMIC_MAP.clone();
  }

  /**
   * Largest distance between a value in [-1, 1] and its nearest code: half the widest gap between
   * neighbouring codes. The dequantization error of an element is at most this times its block's
   * absmax.
   */
  public static double maxHalfGap() {
    double m = 0;
    for (int i = 0; i < 15; i++) {
      m = Math.max(m, ((double) CODEBOOK[i + 1] - CODEBOOK[i]) / 2.0);
    }
    return m;
  }

  public int blockSize() {
    return blockSize;
  }

  public boolean doubleQuant() {
    return doubleQuant;
  }

  /** The 4-bit code nearest to {@code scaled} (a value in [-1, 1]); NaN maps to 0 as in CUDA. */
  public static int encode(float scaled) {
    // Equals the number of thresholds strictly below the value (a tie goes to the lower code, as
    // argmin's first index and the CUDA decision tree); NaN gives 0.
    int bin = (int) ((scaled + 1f) * (BINS / 2f));
    bin = bin < 0 ? 0 : Math.min(bin, BINS - 1);
    return BIN_BASE[bin] + (scaled > BIN_THRESHOLD[bin] ? 1 : 0);
  }

  /** Reference encoder: counts thresholds below the value (used to test {@link #encode}). */
  static int encodeByCounting(float scaled) {
    int q = 0;
    for (float t : THRESHOLDS) {
      q += scaled > t ? 1 : 0;
    }
    return q;
  }

  /**
   * Quantizes {@code values} (row-major, {@code product(shape)} elements).
   *
   * @throws ConfigurationException when the length does not match the shape or a value is not finite
   */
  public Nf4Tensor quantize(float[] values, int... shape) {
    Ensure.notNull(values, "values");
    Ensure.notNull(shape, "shape");
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n != values.length) {
      throw new ConfigurationException(
          "values has " + values.length + " elements but shape " + Arrays.toString(shape) + " needs " + n);
    }
    int len = values.length;
    int blocks = (len + blockSize - 1) / blockSize;
    float[] absmax = new float[blocks];
    byte[] packed = new byte[(len + 1) / 2];
    for (int b = 0; b < blocks; b++) {
      int from = b * blockSize;
      int to = Math.min(len, from + blockSize);
      float m = 0f;
      for (int i = from; i < to; i++) {
        m = Math.max(m, Math.abs(values[i])); // NaN propagates, so one check per block suffices
      }
      if (!Float.isFinite(m)) {
        for (int i = from; i < to; i++) {
          if (!Float.isFinite(values[i])) {
            throw new ConfigurationException(
                "values[" + i + "] must be finite for NF4 quantization, was " + values[i]);
          }
        }
      }
      absmax[b] = m;
      float inv = 1f / m; // as bitsandbytes: x * (1 / absmax); an all-zero block gives NaN -> code 0
      int i = from;
      // Blocks start at even indices (blockSize is even): pack pairs, first element high nibble.
      for (; i + 1 < to; i += 2) {
        packed[i >>> 1] = (byte) ((encode(values[i] * inv) << 4) | encode(values[i + 1] * inv));
      }
      if (i < to) {
        packed[i >>> 1] = (byte) (encode(values[i] * inv) << 4);
      }
    }
    if ((len & 1) == 1) {
      packed[len >>> 1] = (byte) (packed[len >>> 1] | ZERO_CODE);
    }
    if (!doubleQuant) {
      return new Nf4Tensor(packed, absmax, null, shape, blockSize);
    }
    return new Nf4Tensor(packed, null, quantizeAbsmax(absmax), shape, blockSize);
  }

  /**
   * Dequantizes all elements of {@code t} into {@code out[0 .. numel)}; {@code out} may be longer
   * (a buffer reused across layers).
   */
  public void dequantize(Nf4Tensor t, float[] out) {
    dequantize(t, 0, (int) t.numel(), out, 0);
  }

  /**
   * Dequantizes elements {@code [start, start + count)} of {@code t} into {@code out} at
   * {@code outOffset} (for example one row range of a weight matrix).
   */
  public void dequantize(Nf4Tensor t, int start, int count, float[] out, int outOffset) {
    Ensure.notNull(out, "out");
    dequantize(t, start, count, FloatBuffer.wrap(out), outOffset);
  }

  /**
   * Dequantizes elements {@code [start, start + count)} of {@code t} into {@code out} at absolute index
   * {@code outOffset} (the buffer's position is not used or moved), for example straight into a
   * native buffer that a tensor aliases. Safe to call from several threads on disjoint ranges.
   */
  public void dequantize(Nf4Tensor t, int start, int count, FloatBuffer out, int outOffset) {
    checkRange(t, start, count, out, outOffset);
    float[] lut = new float[16];
    decode(t, start, count, outOffset, new Sink() {
      @Override
      public void block(float scale) {
        for (int k = 0; k < 16; k++) {
          lut[k] = CODEBOOK[k] * scale;
        }
      }

      @Override
      public void put(int index, int code) {
        out.put(index, lut[code]);
      }
    });
  }

  /**
   * Like {@link #dequantize(Nf4Tensor, int, int, FloatBuffer, int)} but writes IEEE binary16 bits: each
   * value is {@code codebook[k] * absmax} computed in float32, then rounded to the nearest float16 (ties
   * to even) — the weight a float16 matrix product sees. Half the bytes of the float32 form.
   */
  public void dequantizeHalf(Nf4Tensor t, int start, int count, ShortBuffer out, int outOffset) {
    checkRange(t, start, count, out, outOffset);
    short[] lut = new short[16];
    decode(t, start, count, outOffset, new Sink() {
      @Override
      public void block(float scale) {
        for (int k = 0; k < 16; k++) {
          lut[k] = HalfFloats.floatToF16(CODEBOOK[k] * scale);
        }
      }

      @Override
      public void put(int index, int code) {
        out.put(index, lut[code]);
      }
    });
  }

  /**
   * Dequantizes all of {@code t} into {@code out} (absolute indices from 0), splitting the elements over the
   * available cores on absmax-block boundaries: how a layer's weight is unpacked before its product.
   */
  public void dequantizeParallel(Nf4Tensor t, FloatBuffer out) {
    inParallel(t, (from, count) -> dequantize(t, from, count, out, from));
  }

  /** {@link #dequantizeHalf} of all of {@code t}, split over the available cores like {@link #dequantizeParallel}. */
  public void dequantizeHalfParallel(Nf4Tensor t, ShortBuffer out) {
    inParallel(t, (from, count) -> dequantizeHalf(t, from, count, out, from));
  }

  private interface RangeTask {
    void run(int from, int count);
  }

  private static void inParallel(Nf4Tensor t, RangeTask task) {
    long total = t.numel();
    int bs = t.blockSize();
    int parts = (int) Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), total / (64L * bs)));
    java.util.stream.IntStream.range(0, parts).parallel().forEach(p -> {
      long from = total * p / parts / bs * bs;
      long to = p == parts - 1 ? total : total * (p + 1) / parts / bs * bs;
      task.run((int) from, (int) (to - from));
    });
  }

  /** Receives one absmax block's scale, then the 4-bit codes of its elements. */
  private interface Sink {
    void block(float scale);

    void put(int index, int code);
  }

  /** Walks elements {@code [start, start + count)}: one {@code block} call per absmax block, one {@code put} per element. */
  private void decode(Nf4Tensor t, int start, int count, int outOffset, Sink sink) {
    int bs = t.blockSize();
    float[] scales = t.absmax();
    byte[] packed = t.packed();
    int end = start + count;
    int i = start;
    int o = outOffset;
    while (i < end) {
      int b = i / bs;
      sink.block(scales != null ? scales[b] : blockScale(t.doubleQuant(), b));
      int blockEnd = Math.min(end, (b + 1) * bs);
      if ((i & 1) == 1 && i < blockEnd) {
        sink.put(o++, packed[i >>> 1] & 0x0f);
        i++;
      }
      // Aligned pairs: one byte gives two elements (high nibble first, as bitsandbytes packs them).
      while (i + 1 < blockEnd) {
        int v = packed[i >>> 1];
        sink.put(o, (v >>> 4) & 0x0f);
        sink.put(o + 1, v & 0x0f);
        o += 2;
        i += 2;
      }
      if (i < blockEnd) {
        sink.put(o++, (packed[i >>> 1] >>> 4) & 0x0f);
        i++;
      }
    }
  }

  private static void checkRange(Nf4Tensor t, int start, int count, Buffer out, int outOffset) {
    Ensure.notNull(t, "t");
    Ensure.notNull(out, "out");
    long n = t.numel();
    if (start < 0 || count < 0 || start + (long) count > n) {
      throw new ConfigurationException(
          "range [" + start + ", " + ((long) start + count) + ") must lie in [0, " + n + "]");
    }
    if (outOffset < 0 || outOffset + (long) count > out.limit()) {
      throw new ConfigurationException(
          "out has " + out.limit() + " elements, needs " + ((long) outOffset + count) + " for this range");
    }
  }

  /** The float32 absmax of every block (resolving double quantization). */
  public static float[] absmaxValues(Nf4Tensor t) {
    if (t.absmax() != null) {
      return t.absmax().clone();
    }
    float[] out = new float[t.blocks()];
    dequantizeAbsmax(t.doubleQuant(), DYNAMIC_MAP, out);
    return out;
  }

  /**
   * Dequantizes double-quantized scales with the given 256-entry map (bitsandbytes:
   * {@code dequantize_blockwise(qabsmax, state2) + offset}).
   */
  public static void dequantizeAbsmax(Nf4Tensor.DoubleQuant dq, float[] map, float[] out) {
    if (map.length != 256) {
      throw new ConfigurationException("map must have 256 entries, was " + map.length);
    }
    for (int b = 0; b < dq.codes().length; b++) {
      out[b] = map[dq.codes()[b] & 0xff] * dq.nestedAbsmax()[b / dq.nestedBlockSize()] + dq.offset();
    }
  }

  /** The float32 absmax of block {@code b} of a double-quantized tensor (bitsandbytes' dynamic map). */
  public static float blockScale(Nf4Tensor.DoubleQuant dq, int b) {
    return DYNAMIC_MAP[dq.codes()[b] & 0xff] * dq.nestedAbsmax()[b / dq.nestedBlockSize()] + dq.offset();
  }

  private Nf4Tensor.DoubleQuant quantizeAbsmax(float[] absmax) {
    // offset = absmax.mean() (torch reduces float32 with pairwise/cascade sums; double then
    // rounding to float32 is at least as accurate)
    double sum = 0;
    for (float a : absmax) {
      sum += a;
    }
    float offset = (float) (sum / absmax.length);
    int blocks = absmax.length;
    int nested = (blocks + nestedBlockSize - 1) / nestedBlockSize;
    float[] nestedAbsmax = new float[nested];
    byte[] codes = new byte[blocks];
    for (int nb = 0; nb < nested; nb++) {
      int from = nb * nestedBlockSize;
      int to = Math.min(blocks, from + nestedBlockSize);
      float m = 0f;
      for (int i = from; i < to; i++) {
        m = Math.max(m, Math.abs(absmax[i] - offset));
      }
      nestedAbsmax[nb] = m;
      float inv = 1f / m;
      for (int i = from; i < to; i++) {
        float scaled = Math.max(-1f, Math.min(1f, (absmax[i] - offset) * inv));
        codes[i] = (byte) nearestDynamic(scaled);
      }
    }
    return new Nf4Tensor.DoubleQuant(codes, nestedAbsmax, offset, nestedBlockSize);
  }

  /** Index of the nearest entry of the sorted dynamic map; ties to the lower index; NaN to 0. */
  static int nearestDynamic(float x) {
    if (Float.isNaN(x)) {
      return 0;
    }
    int lo = 0;
    int hi = DYNAMIC_MAP.length - 1;
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (DYNAMIC_MAP[mid] <= x) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    float dl = Math.abs(x - DYNAMIC_MAP[lo]);
    float dh = Math.abs(x - DYNAMIC_MAP[hi]);
    return dh < dl ? hi : lo;
  }

  /**
   * bitsandbytes {@code create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)}: for
   * exponent i = 0..6, the 2^i midpoints of {@code linspace(0.1, 1, 2^i + 1)} scaled by
   * 10^(i - 6), with both signs, plus 0 and 1; sorted.
   */
  private static float[] dynamicMap() {
    float[] data = new float[256];
    int k = 0;
    for (int i = 0; i < 7; i++) {
      int items = (1 << i) + 1;
      float[] boundaries = linspace(0.1f, 1.0f, items);
      float scale = (float) Math.pow(10, -6 + i);
      for (int j = 0; j + 1 < items; j++) {
        float mean = (boundaries[j] + boundaries[j + 1]) / 2.0f;
        data[k++] = scale * mean;
        data[k++] = -(scale * mean);
      }
    }
    data[k++] = 0f;
    data[k++] = 1.0f;
    if (k != 256) {
      throw new IllegalStateException("dynamic map has " + k + " entries");
    }
    Arrays.sort(data);
    return data;
  }

  /** torch.linspace in float32 (ATen: start + step*i for the first half, end - step*(n-1-i) after). */
  private static float[] linspace(float start, float end, int steps) {
    float[] out = new float[steps];
    if (steps == 1) {
      out[0] = start;
      return out;
    }
    float step = (end - start) / (float) (steps - 1);
    int halfway = steps / 2;
    for (int i = 0; i < steps; i++) {
      out[i] = i < halfway ? start + step * i : end - step * (steps - i - 1);
    }
    return out;
  }

  /** Builder; validated at {@link #build()}. */
  public static final class Builder {
    private int blockSize = 64;
    private boolean doubleQuant = false;
    private int nestedBlockSize = 256;

    private Builder() {}

    /** Elements per absmax block; bitsandbytes supports 64..4096 (powers of two). Default 64. */
    public Builder blockSize(int blockSize) {
      this.blockSize = blockSize;
      return this;
    }

    /** Quantize the absmax values to 8 bits (QLoRA's double quantization). Default false. */
    public Builder doubleQuant(boolean doubleQuant) {
      this.doubleQuant = doubleQuant;
      return this;
    }

    /** Absmax values per nested block when double-quantizing. Default 256 (bitsandbytes). */
    public Builder nestedBlockSize(int nestedBlockSize) {
      this.nestedBlockSize = nestedBlockSize;
      return this;
    }

    public Nf4Codec build() {
      Ensure.between(blockSize, 2, 4096, "blockSize");
      if ((blockSize & 1) != 0) {
        throw new ConfigurationException("blockSize must be even, was " + blockSize);
      }
      Ensure.between(nestedBlockSize, 2, 4096, "nestedBlockSize");
      return new Nf4Codec(this);
    }
  }
}
