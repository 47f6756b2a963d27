package dev.medadapt.core.quant.internal;

/** Puts weight row {@code r} into {@code into} as float32: how the dense kernels' row-once passes read a matrix. */
@FunctionalInterface
interface RowLoader {
  void load(int r, float[] into);
}
