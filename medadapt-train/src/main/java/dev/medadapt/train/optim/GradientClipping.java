package dev.medadapt.train.optim;

import ai.djl.ndarray.NDArray;
import java.util.Collection;

/** Global-norm gradient clipping with {@code torch.nn.utils.clip_grad_norm_}'s rule. */
public final class GradientClipping {
  private GradientClipping() {}

  /** The L2 norm of all gradients together. */
  public static double globalNorm(Collection<NDArray> grads) {
    double sq = 0;
    for (NDArray g : grads) {
      try (NDArray n = g.square().sum()) {
        sq += n.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
      }
    }
    return Math.sqrt(sq);
  }

  /**
   * Scales every gradient in place by {@code min(1, maxNorm / (norm + 1e-6))} (torch's clip coefficient, including
   * its 1e-6) and returns the norm before clipping. A non-finite norm is returned without touching the gradients so
   * the caller can stop the run.
   */
  public static double clipGlobalNorm(Collection<NDArray> grads, double maxNorm) {
    double norm = globalNorm(grads);
    if (!Double.isFinite(norm)) {
      return norm;
    }
    double coef = maxNorm / (norm + 1e-6);
    if (coef < 1) {
      for (NDArray g : grads) {
        g.muli(coef);
      }
    }
    return norm;
  }
}
