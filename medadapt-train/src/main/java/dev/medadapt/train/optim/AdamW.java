package dev.medadapt.train.optim;

import ai.djl.ndarray.NDArray;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.train.FloatTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019) on DJL NDArrays, with the update
 * order of {@code torch.optim.AdamW} (single-tensor path, amsgrad off):
 *
 * <pre>
 * p  = p · (1 − lr·wd)                      decoupled decay (skipped for biases and norms)
 * m  = β1·m + (1 − β1)·g
 * v  = β2·v + (1 − β2)·g²
 * p  = p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + ε)
 * </pre>
 *
 * Defaults β = (0.9, 0.999), ε = 1e-8 are torch's and Hugging Face's. Parameters are updated in place; the moment
 * estimates live in the parameters' NDManagers and are exported/imported exactly for checkpoints.
 */
public final class AdamW {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private long step;

  private static final class Slot {
    final NDArray param;
    final ParamGroup group;
    final boolean decay;
    NDArray m;
    NDArray v;

    Slot(NDArray param, ParamGroup group, boolean decay) {
      this.param = param;
      this.group = group;
      this.decay = decay;
      this.m = param.zerosLike();
      this.v = param.zerosLike();
    }
  }

  public AdamW(double beta1, double beta2, double eps) {
    this.beta1 = Ensure.between(beta1, 0.0, 0.999999, "beta1");
    this.beta2 = Ensure.between(beta2, 0.0, 0.99999999, "beta2");
    this.eps = Ensure.positive(eps, "eps");
  }

  /** torch's defaults: β = (0.9, 0.999), ε = 1e-8. */
  public static AdamW withDefaults() {
    return new AdamW(0.9, 0.999, 1e-8);
  }

  /** Registers a float32 parameter under {@code name}; decay follows {@link ParamGroup#decays(String)}. */
  public void add(String name, NDArray param, ParamGroup group) {
    Ensure.notNull(param, "param");
    Ensure.notNull(group, "group");
    if (slots.containsKey(name)) {
      throw new ConfigurationException("parameter '" + name + "' is already registered");
    }
    slots.put(name, new Slot(param, group, ParamGroup.decays(name)));
  }

  /** Optimizer steps taken. */
  public long stepCount() {
    return step;
  }

  /**
   * One update of every parameter with its gradient.
   *
   * @param grads gradient per parameter name (same shapes as the parameters)
   * @param lrFactor the schedule's multiplier for this step (applied to every group's learning rate)
   */
  public void step(Map<String, NDArray> grads, double lrFactor) {
    step++;
    double bc1 = 1 - Math.pow(beta1, step);
    double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
    for (Map.Entry<String, Slot> e : slots.entrySet()) {
      Slot s = e.getValue();
      NDArray g = grads.get(e.getKey());
      if (g == null) {
        throw new ConfigurationException("no gradient for parameter '" + e.getKey() + "'");
      }
      double lr = s.group.learningRate() * lrFactor;
      if (s.decay && s.group.weightDecay() != 0) {
        s.param.muli(1 - lr * s.group.weightDecay());
      }
      s.m.muli(beta1);
      try (NDArray t = g.mul(1 - beta1)) {
        s.m.addi(t);
      }
      s.v.muli(beta2);
      try (NDArray gg = g.mul(g)) {
        gg.muli(1 - beta2);
        s.v.addi(gg);
      }
      try (NDArray denom = s.v.sqrt()) {
        denom.divi(bc2Sqrt).addi(eps);
        try (NDArray upd = s.m.div(denom)) {
          upd.muli(lr / bc1);
          s.param.subi(upd);
        }
      }
    }
  }

  /** The moment estimates by parameter name ({@code name + ".exp_avg"} and {@code ".exp_avg_sq"}), for checkpoints. */
  public Map<String, FloatTensor> exportState() {
    Map<String, FloatTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Slot> e : slots.entrySet()) {
      out.put(e.getKey() + ".exp_avg", toTensor(e.getValue().m));
      out.put(e.getKey() + ".exp_avg_sq", toTensor(e.getValue().v));
    }
    return out;
  }

  /** Restores moment estimates and the step count written by {@link #exportState()}. */
  public void importState(Map<String, FloatTensor> state, long stepCount) {
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, Slot> e : slots.entrySet()) {
      FloatTensor m = state.get(e.getKey() + ".exp_avg");
      FloatTensor v = state.get(e.getKey() + ".exp_avg_sq");
      if (m == null || v == null) {
        missing.add(e.getKey());
        continue;
      }
      Slot s = e.getValue();
      NDArray oldM = s.m;
      NDArray oldV = s.v;
      s.m = owned(s.param, m);
      s.v = owned(s.param, v);
      oldM.close();
      oldV.close();
    }
    if (!missing.isEmpty()) {
      throw new ConfigurationException("optimizer state lacks moments for parameters " + missing);
    }
    this.step = stepCount;
  }

  /** A torch-owned copy of {@code t} beside {@code like} (see LoraModel: never set() a live tensor in place). */
  private static NDArray owned(NDArray like, FloatTensor t) {
    long[] shape = like.getShape().getShape();
    return dev.medadapt.train.internal.OwnedArrays.of(like.getManager(), t.data(), new ai.djl.ndarray.types.Shape(shape));
  }

  static FloatTensor toTensor(NDArray a) {
    long[] s = a.getShape().getShape();
    int[] shape = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      shape[i] = Math.toIntExact(s[i]);
    }
    return new FloatTensor(shape, a.toFloatArray());
  }
}
