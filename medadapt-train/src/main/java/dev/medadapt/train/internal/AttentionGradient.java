package dev.medadapt.train.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.medadapt.core.model.Qwen2Config;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import java.util.ArrayList;
import java.util.List;

/**
 * The vector-Jacobian product of {@link Qwen2Model#attention}: given the attention core's inputs {@code q, k, v}
 * (after rotary embedding) and the gradient {@code dO} of its output, the gradients of q, k and v, computed block by
 * block over query rows with the same blocks as the forward, so the {@code [heads, T, T]} probabilities never exist
 * whole (the backward pass of FlashAttention, Dao et al. 2022, Algorithm 4, without the tiling over keys):
 *
 * <pre>
 * P  = softmax(q kᵀ·s + mask)         recomputed per block of rows
 * dV = Pᵀ dO
 * dP = dO vᵀ
 * dS = P ⊙ (dP − rowsum(dO ⊙ O)) · s   (rowsum(dP ⊙ P) = rowsum(dO ⊙ O))
 * dQ = dS k,   dK = dSᵀ q
 * </pre>
 *
 * Grouped-query attention: key/value head i serves query heads {@code i·g … i·g+g−1}, so dK and dV sum over them.
 * Runs without autograd (none of the inputs may require a gradient). Not API.
 */
public final class AttentionGradient {
  private AttentionGradient() {}

  /**
   * {@code {dq [B, heads, T, d], dk [B, kv_heads, T, d], dv [B, kv_heads, T, d]}} on {@code dOut}'s manager.
   *
   * @param qkv detached attention inputs of a standalone pass (no cache)
   * @param dOut gradient of the attention output {@code [B, T, heads·d]}
   */
  public static NDArray[] of(Qwen2Config config, Qwen2Model.Qkv qkv, Qwen2Model.Positions pos, NDArray dOut,
      long blockFloats) {
    if (pos.past() != 0) {
      throw new IllegalArgumentException("the attention gradient is for standalone passes, past was " + pos.past());
    }
    int b = pos.batch();
    int t = pos.tokens();
    int d = config.headDim();
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int g = config.groupSize();
    NDManager m = dOut.getManager();
    NDArray q5 = qkv.q().reshape(b, kvHeads, g, t, d);
    NDArray k5 = qkv.k().expandDims(2);
    NDArray v5 = qkv.v().expandDims(2);
    NDArray dO5 = dOut.reshape(b, t, heads, d).transpose(0, 2, 1, 3).reshape(b, kvHeads, g, t, d);
    NDArray dk5 = m.zeros(k5.getShape());
    NDArray dv5 = m.zeros(v5.getShape());
    NDArray scale = pos.scale();
    int rows = Qwen2Model.attentionBlockRows(heads, t, blockFloats);
    List<NDArray> dq = new ArrayList<>();
    for (int r0 = 0; r0 < t; r0 += rows) {
      int r1 = Math.min(t, r0 + rows);
      String qRows = ":, :, :, " + r0 + ":" + r1 + ", :";
      String keys = ":, :, :, :" + r1 + ", :"; // later keys are causally masked for these rows
      try (NDManager bm = m.newSubManager()) {
        NDArray qb = slice(q5, bm, qRows);
        NDArray kb = slice(k5, bm, keys);
        NDArray vb = slice(v5, bm, keys);
        NDArray dOb = slice(dO5, bm, qRows);
        NDArray s = qb.matMul(kb.transpose(0, 1, 2, 4, 3)).mul(scale);
        if (pos.mask() != null) {
          s = s.add(slice(pos.mask(), bm, ":, :, :, " + r0 + ":" + r1 + ", :" + r1));
        }
        NDArray p = s.softmax(-1); // [B, KV, g, R, K]
        NDArray o = p.matMul(vb);
        NDArray pt = p.transpose(0, 1, 2, 4, 3);
        NDArray dvb = pt.matMul(dOb).sum(new int[] {2}, true); // [B, KV, 1, K, d]
        NDArray dp = dOb.matMul(vb.transpose(0, 1, 2, 4, 3));
        NDArray delta = dOb.mul(o).sum(new int[] {-1}, true);
        NDArray ds = p.mul(dp.sub(delta)).mul(scale);
        NDArray dqb = ds.matMul(kb);
        NDArray dkb = ds.transpose(0, 1, 2, 4, 3).matMul(qb).sum(new int[] {2}, true);
        NDIndex keyIdx = new NDIndex(keys);
        dk5.set(keyIdx, slice(dk5, bm, keys).add(dkb));
        dv5.set(keyIdx, slice(dv5, bm, keys).add(dvb));
        dqb.attach(m);
        dq.add(dqb);
      }
    }
    NDArray dqAll = dq.size() == 1 ? dq.get(0) : NDArrays.concat(new NDList(dq), 3);
    return new NDArray[] {
      dqAll.reshape(b, heads, t, d), dk5.squeeze(2), dv5.squeeze(2)
    };
  }

  private static NDArray slice(NDArray x, NDManager owner, String index) {
    NDArray s = x.get(index);
    s.attach(owner);
    return s;
  }
}
