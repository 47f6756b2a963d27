package dev.medadapt.core.quant.internal;

import java.util.function.Function;
import org.slf4j.Logger;

/**
 * Picks a quantized product's kernel once per JVM: the Vector API one when {@code jdk.incubator.vector} is in the boot
 * layer and the CPU has 256- or 512-bit vectors, else the plain Java one, with one log line saying which and why.
 * Not API.
 */
public final class VectorKernels {
  private static final String VECTOR_MODULE = "jdk.incubator.vector";
  private static final String OOB_CHECK = "jdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK";

  private VectorKernels() {}

  /**
   * @param what the products' name in the log line, e.g. {@code "NF4 products"}
   * @param forceScalarProperty a system property that, set to {@code scalar}, forces {@code scalar}
   * @param vectorClass a kernel class with a public no-argument constructor and a static {@code usable()}
   * @param name a kernel's name for the log line
   */
  public static <T> T choose(Logger log, String what, String forceScalarProperty, String vectorClass, Class<T> type,
      T scalar, Function<T, String> name) {
    if ("scalar".equals(System.getProperty(forceScalarProperty))) {
      log.info("{}: scalar kernel ({}=scalar)", what, forceScalarProperty);
      return scalar;
    }
    if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
      log.info("{}: scalar kernel; run the JVM with --add-modules {} for the vector kernel (several times faster)",
          what, VECTOR_MODULE);
      return scalar;
    }
    try {
      Class<?> c = Class.forName(vectorClass);
      if (!(Boolean) c.getMethod("usable").invoke(null)) {
        log.info("{}: scalar kernel; this CPU's preferred vector shape is neither 256 nor 512 bits", what);
        return scalar;
      }
      T k = type.cast(c.getConstructor().newInstance());
      if ("0".equals(System.getProperty(OOB_CHECK))) {
        log.info("{}: {} kernel", what, name.apply(k));
      } else {
        log.info("{}: {} kernel; run the JVM with -D{}=0 for a faster one (JDK 17 checks vector indexes in Java"
            + " otherwise)", what, name.apply(k), OOB_CHECK);
      }
      return k;
    } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
      log.info("{}: scalar kernel; the vector kernel did not load ({})", what, e.toString());
      return scalar;
    }
  }
}
