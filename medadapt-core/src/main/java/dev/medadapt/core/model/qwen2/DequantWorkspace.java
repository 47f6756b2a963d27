package dev.medadapt.core.model.qwen2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.medadapt.core.safetensors.internal.DirectBuffers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * One native buffer shared by all quantized layers of a model (sized to the largest weight), with a tensor view per
 * weight shape; the weight of the current layer is dequantized straight into it, so a prompt's products allocate no
 * native memory per call. Callers synchronize on the workspace and run one product at a time.
 */
final class DequantWorkspace {
  /** Writes one weight, {@code [out, in]} row-major, as float32 or as float16 bits. */
  interface Fill {
    void floats(FloatBuffer dst);

    void halves(ShortBuffer dst);
  }

  private final NDManager manager;
  private final DataType type;
  private final Map<Shape, NDArray> views = new HashMap<>();
  private ByteBuffer buffer;

  /** @param type FLOAT32 or FLOAT16 */
  DequantWorkspace(NDManager manager, DataType type) {
    this.manager = manager;
    this.type = type;
  }

  /** The weight {@code [out, in]} written by {@code fill}, as a view valid until the next call. */
  NDArray load(int out, int in, Fill fill) {
    int bytes = out * in * type.getNumOfBytes();
    if (buffer == null || buffer.capacity() < bytes) {
      views.values().forEach(NDArray::close);
      views.clear();
      DirectBuffers.free(buffer);
      buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }
    if (type == DataType.FLOAT16) {
      fill.halves(buffer.asShortBuffer());
    } else {
      fill.floats(buffer.asFloatBuffer());
    }
    // PyTorch's from_blob aliases the Java buffer (verified: writes to the buffer show in the tensor), so the view
    // sees the freshly written weight without a native copy.
    return views.computeIfAbsent(new Shape(out, in), s -> manager.create(buffer.duplicate().order(ByteOrder.nativeOrder())
        .limit(bytes).slice().order(ByteOrder.nativeOrder()), s, type));
  }
}
