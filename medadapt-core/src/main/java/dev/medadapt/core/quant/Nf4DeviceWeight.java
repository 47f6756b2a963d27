package dev.medadapt.core.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;

/**
 * An NF4 weight whose packed codes (two per byte, the first in the high nibble), float32 block scales and codebook
 * live on a device (a GPU, or the CPU in tests), dequantized there with tensor operations — a codebook lookup and a
 * multiplication — so no per-call Java loop reads or writes device memory. The bytes cross from Java once, when the
 * weight is placed.
 *
 * <p>{@code w[i] = codebook[code(i)] · absmax[i / blockSize]} is the arithmetic of {@link Nf4Codec#dequantize}
 * (float32 product of the same two numbers), so both give the same bits.
 *
 * <pre>{@code
 * Nf4DeviceWeight w = Nf4DeviceWeight.of(gpuManager, codec.quantize(dense, out, in));
 * try (NDManager scope = x.getManager().newSubManager()) {
 *   NDArray weight = w.dequantize(scope);   // float32 [out, in] on the GPU
 * }
 * }</pre>
 */
public final class Nf4DeviceWeight implements AutoCloseable {
  private final NDArray packed;
  private final NDArray absmax;
  private final NDArray codebook;
  private final NDArray sixteen; // float32 16, the nibble base
  private final int blockSize;
  private final int out;
  private final int in;

  private Nf4DeviceWeight(NDArray packed, NDArray absmax, NDArray codebook, NDArray sixteen, Nf4Tensor t) {
    this.packed = packed;
    this.absmax = absmax;
    this.codebook = codebook;
    this.sixteen = sixteen;
    this.blockSize = t.blockSize();
    this.out = t.shape()[0];
    this.in = t.shape()[1];
  }

  /** Copies {@code t}'s codes and (double-quantized: dequantized) block scales to {@code m}'s device. */
  public static Nf4DeviceWeight of(NDManager m, Nf4Tensor t) {
    if (t.shape().length != 2) {
      throw new IllegalArgumentException("an NF4 weight on a device is a matrix [out, in], was "
          + java.util.Arrays.toString(t.shape()));
    }
    if ((t.numel() & 1) != 0 || t.numel() % t.blockSize() != 0) {
      throw new IllegalArgumentException("on-device NF4 needs an even element count in whole blocks, was "
          + t.numel() + " with block size " + t.blockSize());
    }
    ByteBuffer direct = ByteBuffer.allocateDirect(t.packed().length).put(t.packed()).flip();
    NDArray packed;
    try (NDArray blob = m.create(direct, new Shape(t.packed().length), DataType.UINT8)) {
      packed = blob.duplicate(); // torch-owned, on the device
    }
    float[] scales = Nf4Codec.absmaxValues(t);
    return new Nf4DeviceWeight(packed, m.create(scales, new Shape(scales.length, 1)), m.create(Nf4Codec.codebook()),
        m.create(16f), t);
  }

  /** The float32 weight {@code [out, in]} on {@code scope}'s device; the temporaries belong to {@code scope}. */
  public NDArray dequantize(NDManager scope) {
    NDArray p = packed.toType(DataType.FLOAT32, false); // 0 .. 255, exact in float32
    p.attach(scope);
    NDArray hi = p.div(sixteen).floor(); // the first element of each byte
    NDArray lo = p.sub(hi.mul(sixteen));
    NDArray codes = hi.expandDims(1).concat(lo.expandDims(1), 1).reshape(-1).toType(DataType.INT64, false);
    NDArray values = codebook.get(new NDIndex("{}", codes));
    values.attach(scope);
    return values.reshape(-1, blockSize).mul(absmax).reshape(out, in);
  }

  /** The device the codes live on. */
  public ai.djl.Device device() {
    return packed.getDevice();
  }

  @Override
  public void close() {
    packed.close();
    absmax.close();
    codebook.close();
    sixteen.close();
  }
}
