package dev.medadapt.core.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.medadapt.core.ConfigurationException;

/**
 * The device a model runs on, as users write it: {@code cpu}, {@code gpu} (the first GPU) or {@code gpu:N}.
 *
 * <pre>{@code
 * Device d = Devices.parse("gpu:1");   // Device.gpu(1)
 * }</pre>
 *
 * <p>A GPU needs DJL's CUDA build of libtorch instead of {@code pytorch-native-cpu}: for PyTorch 2.7.1 the
 * {@code cu128} flavor (CUDA 12.8), whose JNI ships in {@code pytorch-jni:2.7.1-0.36.0}. Maven Central has no
 * {@code pytorch-native-cu*} artifact for 2.7.1, so either DJL fetches the {@code cu128} libtorch at first start (when
 * {@code pytorch-native-cpu} is not on the class path) or {@code PYTORCH_LIBRARY_PATH} points at a CUDA libtorch 2.7.1
 * ({@code PYTORCH_VERSION=2.7.1}, {@code PYTORCH_FLAVOR=cu128}); see the README's GPU section and docs/gpu.md.
 */
public final class Devices {
  /** Where the README explains the CUDA setup. */
  static final String GPU_HINT = "put DJL's CUDA 12.8 build of libtorch 2.7.1 in place of pytorch-native-cpu (remove"
      + " that jar and let DJL download the cu128 build, or set PYTORCH_LIBRARY_PATH with PYTORCH_VERSION=2.7.1 and"
      + " PYTORCH_FLAVOR=cu128; README, section GPU, and docs/gpu.md), or use --device cpu";

  private Devices() {}

  /** {@code cpu}, {@code gpu} or {@code gpu:N} (case-insensitive). */
  public static Device parse(String name) {
    String s = name == null ? "" : name.strip().toLowerCase(java.util.Locale.ROOT);
    if (s.equals("cpu")) {
      return Device.cpu();
    }
    if (s.equals("gpu")) {
      return Device.gpu(0);
    }
    if (s.startsWith("gpu:")) {
      try {
        int n = Integer.parseInt(s.substring(4));
        if (n >= 0) {
          return Device.gpu(n);
        }
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    }
    throw new ConfigurationException("device must be cpu, gpu or gpu:N (N >= 0), was '" + name + "'");
  }

  /** The GPUs DJL's PyTorch engine sees (0 with the CPU build of libtorch or without a CUDA driver). */
  public static int gpuCount() {
    return Engine.getEngine("PyTorch").getGpuCount();
  }

  /** Checks that {@code device} exists for DJL's PyTorch engine, with a hint when a GPU is missing. */
  public static Device require(Device device) {
    if (device.isGpu()) {
      int n = gpuCount();
      if (device.getDeviceId() >= n) {
        throw new ConfigurationException("device " + device + " was requested but DJL's PyTorch engine sees "
            + n + " GPU(s): " + GPU_HINT);
      }
    }
    return device;
  }
}
