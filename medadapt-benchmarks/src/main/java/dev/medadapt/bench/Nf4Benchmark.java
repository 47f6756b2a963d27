package dev.medadapt.bench;

import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.quant.Nf4Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * NF4 quantize/dequantize throughput on one DeepSeek-R1-Distill-Qwen-1.5B MLP matrix (1536 x 8960),
 * against two peers measured in the same run on the same output buffer:
 *
 * <ul>
 *   <li>{@code bf16->f32}: widening bf16 weights (what an unquantized bf16 checkpoint costs per use);
 *   <li>{@code f32 copy}: {@code System.arraycopy} of the fp32 matrix (memory-bandwidth roof).
 * </ul>
 *
 * <p>Run: {@code ./bench Nf4Benchmark [rows cols iterations seed]}. GB/s counts fp32 output bytes
 * (dequantize) or fp32 input bytes (quantize); the median of the timed iterations is reported.
 */
public final class Nf4Benchmark {
  private Nf4Benchmark() {}

  public static void main(String[] args) {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1536;
    int cols = args.length > 1 ? Integer.parseInt(args[1]) : 8960;
    int iters = args.length > 2 ? Integer.parseInt(args[2]) : 15;
    long seed = args.length > 3 ? Long.parseLong(args[3]) : 42L;
    int n = rows * cols;
    System.out.printf(Locale.ROOT, "Nf4Benchmark rows=%d cols=%d iterations=%d seed=%d java=%s cpus=%d%n",
        rows, cols, iters, seed, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());

    float[] w = new float[n];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      w[i] = (float) (0.02 * (r.nextDouble() + r.nextDouble() + r.nextDouble() - 1.5) * 2); // ~N(0, 0.02)
    }
    short[] bf16 = new short[n];
    for (int i = 0; i < n; i++) {
      bf16[i] = (short) (Float.floatToRawIntBits(w[i]) >>> 16);
    }
    float[] out = new float[n];
    double gb = n * 4.0 / 1e9;

    Nf4Codec plain = Nf4Codec.builder().build();
    Nf4Codec dq = Nf4Codec.builder().doubleQuant(true).build();
    Nf4Tensor[] holder = new Nf4Tensor[2];

    double qPlain = median(iters, () -> holder[0] = plain.quantize(w, rows, cols));
    double qDouble = median(iters, () -> holder[1] = dq.quantize(w, rows, cols));
    double dPlain = median(iters, () -> plain.dequantize(holder[0], out));
    double dDouble = median(iters, () -> dq.dequantize(holder[1], out));
    double widen = median(iters, () -> {
      for (int i = 0; i < n; i++) {
        out[i] = Float.intBitsToFloat(bf16[i] << 16);
      }
    });
    double copy = median(iters, () -> System.arraycopy(w, 0, out, 0, n));

    double maxErr = 0;
    plain.dequantize(holder[0], out);
    for (int i = 0; i < n; i++) {
      maxErr = Math.max(maxErr, Math.abs(out[i] - w[i]));
    }

    System.out.printf(Locale.ROOT, "%-28s %10s %10s%n", "operation", "ms", "GB/s");
    row("quantize nf4", qPlain, gb);
    row("quantize nf4 + double quant", qDouble, gb);
    row("dequantize nf4", dPlain, gb);
    row("dequantize nf4 + double q.", dDouble, gb);
    row("peer: bf16->f32 widen", widen, gb);
    row("peer: f32 arraycopy", copy, gb);
    System.out.printf(Locale.ROOT, "ratio dequantize nf4 / bf16 widen = %.2f, / f32 copy = %.2f%n", widen / dPlain, copy / dPlain);
    System.out.printf(Locale.ROOT, "bytes per weight: f32 4.000, bf16 2.000, nf4 %.3f, nf4+double quant %.3f%n",
        holder[0].sizeInBytes() / (double) n, holder[1].sizeInBytes() / (double) n);
    System.out.printf(Locale.ROOT, "max |dequant - w| = %.3g (absmax bound %.3g x block absmax)%n", maxErr, Nf4Codec.maxHalfGap());
  }

  private static void row(String name, double seconds, double gb) {
    System.out.printf(Locale.ROOT, "%-28s %10.2f %10.2f%n", name, seconds * 1e3, gb / seconds);
  }

  private static double median(int iters, Runnable op) {
    for (int i = 0; i < 3; i++) {
      op.run(); // warm-up (JIT)
    }
    double[] t = new double[iters];
    for (int i = 0; i < iters; i++) {
      long s = System.nanoTime();
      op.run();
      t[i] = (System.nanoTime() - s) / 1e9;
    }
    Arrays.sort(t);
    return t[iters / 2];
  }
}
