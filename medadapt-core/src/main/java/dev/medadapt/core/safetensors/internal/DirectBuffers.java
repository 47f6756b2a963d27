package dev.medadapt.core.safetensors.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases direct and mapped buffers now instead of at some later garbage collection, the way
 * Lucene's MMapDirectory did before Java 19 ({@code sun.misc.Unsafe#invokeCleaner}). Without it a
 * loaded 1.5B model keeps gigabytes of staging buffers and file maps resident until a GC happens to
 * run. Callers must guarantee the buffer is never touched again. Used on JDK 17-22 only. Not API.
 */
public final class DirectBuffers {
  private static final Logger LOG = LoggerFactory.getLogger(DirectBuffers.class);
  private static final Object UNSAFE;
  private static final Method INVOKE_CLEANER;

  static {
    Object unsafe = null;
    Method m = null;
    // JDK 23+ warns on stderr at the first call (JEP 471/498 deprecate sun.misc.Unsafe for removal);
    // there the mappings are left to the garbage collector.
    if (Runtime.version().feature() < 23) {
      try {
        Class<?> c = Class.forName("sun.misc.Unsafe");
        Field f = c.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        unsafe = f.get(null);
        m = c.getMethod("invokeCleaner", ByteBuffer.class);
      } catch (ReflectiveOperationException | RuntimeException e) {
        LOG.debug("sun.misc.Unsafe.invokeCleaner unavailable; buffers are freed by the garbage collector", e);
        unsafe = null;
        m = null;
      }
    }
    UNSAFE = unsafe;
    INVOKE_CLEANER = m;
  }

  private DirectBuffers() {}

  /** Frees {@code buffer}'s memory or mapping now when the JDK allows it; otherwise leaves it to the GC. */
  public static void free(ByteBuffer buffer) {
    if (buffer == null || !buffer.isDirect() || INVOKE_CLEANER == null) {
      return;
    }
    try {
      INVOKE_CLEANER.invoke(UNSAFE, buffer);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("could not free a direct buffer early", e);
    }
  }
}
