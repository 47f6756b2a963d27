package dev.medadapt.bench;

import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.quant.Nf4MatMul;
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
 * <p>Run: {@code ./bench Nf4Benchmark [rows cols iterations seed]}; {@code ./bench Nf4Benchmark decode-layers} times the
 * fused product over a whole decode token's layers (see {@link #decodeLayers}). GB/s counts fp32 output bytes
 * (dequantize) or fp32 input bytes (quantize); the median of the timed iterations is reported.
 */
public final class Nf4Benchmark {
  private Nf4Benchmark() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("decode-layers")) {
      decodeLayers(args);
      return;
    }
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

  /**
   * {@code ./bench Nf4Benchmark decode-layers [--layers 28] [--double-quant true|false] [--iterations 15]
   * [--format nf4|int8|f16|f32] [--rows 1]}: one decode
   * token's NF4 products of the DeepSeek-R1-Distill-Qwen-1.5B layers (the 7 projections of each, random weights, one
   * input row) through {@link Nf4MatMul#multiply}, the fused kernel this JVM chose; the median milliseconds per token
   * and the packed bytes streamed per second. The weights (0.66 GB packed for 28 layers) are far larger than cache.
   * {@code --format f16}: the same products on float16 weights through the Java float16 kernel
   * ({@code DenseKernel.f16Rows}, what an FP16 model's decode batch runs on a CPU without float16 arithmetic);
   * {@code --format f32}: on float32 weights ({@code DenseKernel.f32Rows}, an FP32 model's decode batch). Both print
   * the multiply-adds per second as well, the figure that bounds a large batch.
   */
  private static void decodeLayers(String[] args) {
    int layers = 28;
    boolean dq = true;
    int iters = 15;
    boolean int8 = false;
    boolean f16 = false;
    boolean f32 = false;
    int inputRows = 1;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--layers" -> layers = Integer.parseInt(args[++i]);
        case "--double-quant" -> dq = Boolean.parseBoolean(args[++i]);
        case "--iterations" -> iters = Integer.parseInt(args[++i]);
        case "--rows" -> inputRows = Integer.parseInt(args[++i]);
        case "--format" -> {
          String f = args[++i].toLowerCase(Locale.ROOT);
          if (!f.equals("nf4") && !f.equals("int8") && !f.equals("f16") && !f.equals("f32")) {
            throw new IllegalArgumentException("--format takes nf4, int8, f16 or f32, was " + args[i]);
          }
          int8 = f.equals("int8");
          f16 = f.equals("f16");
          f32 = f.equals("f32");
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    int[][] shapes = {{1536, 1536}, {256, 1536}, {256, 1536}, {1536, 1536}, {8960, 1536}, {8960, 1536}, {1536, 8960}};
    Nf4Codec codec = Nf4Codec.builder().doubleQuant(dq).build();
    SplittableRandom r = new SplittableRandom(42);
    java.util.List<Nf4Tensor> ws = new java.util.ArrayList<>();
    java.util.List<dev.medadapt.core.quant.Int8Tensor> ws8 = new java.util.ArrayList<>();
    java.util.List<java.nio.ByteBuffer> dense = new java.util.ArrayList<>(); // float32 or float16 weights
    java.util.List<int[]> shapes16 = new java.util.ArrayList<>();
    long bytes = 0;
    long multiplyAdds = 0;
    float[] w = new float[8960 * 1536];
    for (int l = 0; l < layers; l++) {
      for (int[] sh : shapes) {
        int n = sh[0] * sh[1];
        multiplyAdds += n;
        for (int i = 0; i < n; i++) {
          w[i] = (float) (0.02 * r.nextGaussian());
        }
        if (f32) {
          java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4 * n).order(java.nio.ByteOrder.nativeOrder());
          b.asFloatBuffer().put(0, w, 0, n);
          dense.add(b);
          shapes16.add(sh);
          bytes += 4L * n;
        } else if (f16) {
          java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(2 * n).order(java.nio.ByteOrder.nativeOrder());
          java.nio.ShortBuffer bits = b.asShortBuffer();
          for (int i = 0; i < n; i++) {
            bits.put(i, dev.medadapt.core.quant.internal.Float16.fromFloat(w[i]));
          }
          dense.add(b);
          shapes16.add(sh);
          bytes += 2L * n;
        } else if (int8) {
          dev.medadapt.core.quant.Int8Tensor t = dev.medadapt.core.quant.Int8Tensor.quantize(Arrays.copyOf(w, n), sh[0], sh[1]);
          ws8.add(t);
          bytes += t.bytes();
        } else {
          Nf4Tensor t = codec.quantize(Arrays.copyOf(w, n), sh[0], sh[1]);
          ws.add(t);
          bytes += t.packed().length;
        }
      }
    }
    int m = inputRows;
    float[] x1536 = new float[1536 * m];
    float[] x8960 = new float[8960 * m];
    for (float[] x : new float[][] {x1536, x8960}) {
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
    }
    float[] y = new float[8960 * m];
    float[][] xs1536 = dev.medadapt.core.quant.internal.OutputRows.inputs(x1536, m, 1536);
    float[][] xs8960 = dev.medadapt.core.quant.internal.OutputRows.inputs(x8960, m, 8960);
    dev.medadapt.core.quant.internal.DenseKernel k16 = dev.medadapt.core.quant.internal.DenseKernel.get();
    boolean half = f16;
    double s = median(iters, () -> {
      for (int t = 0; t < dense.size(); t++) {
        java.nio.ByteBuffer b = dense.get(t);
        java.nio.ShortBuffer bits = b.asShortBuffer();
        java.nio.FloatBuffer values = b.asFloatBuffer();
        int out = shapes16.get(t)[0];
        int in = shapes16.get(t)[1];
        float[][] xs = in == 1536 ? xs1536 : xs8960;
        dev.medadapt.core.quant.internal.OutputRows.split(out, (from, to) -> {
          if (half) {
            k16.f16Rows(bits, in, from, to, xs, y, from, out);
          } else {
            k16.f32Rows(values, in, from, to, xs, y, from, out);
          }
        });
      }
      for (Nf4Tensor t : ws) {
        Nf4MatMul.multiply(t, t.shape()[1] == 1536 ? x1536 : x8960, m, y);
      }
      for (dev.medadapt.core.quant.Int8Tensor t : ws8) {
        dev.medadapt.core.quant.Int8MatMul.multiply(t, t.columns() == 1536 ? x1536 : x8960, m, y);
      }
    });
    if (f16 || f32) {
      System.out.printf(Locale.ROOT, "%s decode-layers: %d layers, %d input rows, kernel %s, java %s, %d cpus: %.1f ms"
          + " per step (median of %d), %.2f GB/s of %s weights (%.3f GB), %.1f GFLOP/s%n", f16 ? "F16" : "F32", layers,
          m, k16.name(), System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), s * 1e3,
          iters, bytes / s / 1e9, f16 ? "float16" : "float32", bytes / 1e9, 2.0 * multiplyAdds * m / s / 1e9);
      return;
    }
    if (int8) {
      System.out.printf(Locale.ROOT, "INT8 decode-layers: %d layers, %d input rows, kernel %s, java %s, %d cpus: %.1f ms"
          + " per step (median of %d), %.2f GB/s of codes and scales (%.3f GB)%n", layers, m,
          dev.medadapt.core.quant.Int8MatMul.kernelName(), System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors(), s * 1e3, iters, bytes / s / 1e9, bytes / 1e9);
      return;
    }
    System.out.printf(Locale.ROOT, "NF4 decode-layers: %d layers, %d input rows, double quantization %s, kernel %s, java"
        + " %s, %d cpus: %.1f ms per step (median of %d), %.2f GB/s of packed codes (%.3f GB)%n", layers, m, dq,
        Nf4MatMul.kernelName(), System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
        s * 1e3, iters, bytes / s / 1e9, bytes / 1e9);
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
