package dev.medadapt.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Collection;

/** Global-norm gradient clipping with {@code torch.nn.utils.clip_grad_norm_}'s rule. */
public final class GradientClipping {
  private GradientClipping() {}

  /**
   * The L2 norm of all gradients together. Each gradient's sum of squares stays on its device and is widened to
   * float64 there; the per-gradient sums cross to Java as one array (one device synchronization per step, not one
   * per parameter) and are added in order in double precision.
   */
  public static double globalNorm(Collection<NDArray> grads) {
    if (grads.isEmpty()) {
      return 0;
    }
    NDManager m = grads.iterator().next().getManager().newSubManager();
    try (m) {
      NDList sums = new NDList(grads.size());
      for (NDArray g : grads) {
        NDArray sq = g.square();
        sq.attach(m);
        NDArray sum = sq.sum().toType(DataType.FLOAT64, false);
        sum.attach(m);
        sums.add(sum.reshape(1));
      }
      double total = 0;
      for (double v : NDArrays.concat(sums).toDoubleArray()) {
        total += v;
      }
      return Math.sqrt(total);
    }
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
