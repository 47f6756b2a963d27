package dev.medadapt.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.train.data.TokenizedDataset;
import dev.medadapt.train.data.TokenizedSequence;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.lora.LoraModel;
import dev.medadapt.train.metrics.StepMetrics;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression test for non-finite gradient norms with long sequences ("gradient norm is Infinity at step 2"): DJL's
 * {@code NDArray.mul(Number)} / {@code div(Number)} wrap the number in a temporary scalar tensor that aliases a Java
 * direct buffer and close it at once, while PyTorch's autograd keeps that tensor for the backward pass. A garbage
 * collection between forward and backward (frequent with 512-token batches, which allocate a lot) frees the buffer,
 * and the backward multiplies by whatever the allocator left there. This test forces that collection, overwrites the
 * freed memory, and checks that training sees exactly the gradients of an undisturbed run.
 */
class BackwardAfterGcTest {
  static final Path MODEL = TestResources.tinyModel("qwen2-tiny-bytes-chat");
  /** Keeps the poison buffers allocated (so the allocator cannot hand the memory back) until the step's backward. */
  private static final List<ByteBuffer> POISON = new ArrayList<>();

  @TempDir Path tmp;

  /** Right-padded batches of up to 512 tokens, completion-only labels (as the SFT study's). */
  static TokenizedDataset data() {
    List<TokenizedSequence> seqs = new ArrayList<>();
    int[] lengths = {512, 400, 512, 300};
    for (int s = 0; s < lengths.length; s++) {
      int[] ids = new int[lengths[s]];
      int[] labels = new int[lengths[s]];
      for (int t = 0; t < ids.length; t++) {
        ids[t] = 32 + (t * 7 + s * 13) % 90;
        labels[t] = t < 40 ? TokenizedSequence.IGNORE_INDEX : ids[t];
      }
      seqs.add(new TokenizedSequence(ids, labels));
    }
    return new TokenizedDataset(seqs, null);
  }

  /** Collects garbage, lets the cleaner free unreachable direct buffers, then fills the freed memory with 1e30. */
  static void collectAndPoison() {
    POISON.clear();
    System.gc();
    try {
      Thread.sleep(200); // the JDK frees direct buffers on its Common-Cleaner thread after the collection
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (int i = 0; i < 4096; i++) {
      ByteBuffer b = ByteBuffer.allocateDirect(4 + 4 * (i % 4)).order(ByteOrder.nativeOrder());
      while (b.remaining() >= 4) {
        b.putFloat(1e30f);
      }
      POISON.add(b);
    }
  }

  private List<StepMetrics> train(Path out, Runnable beforeBackward) {
    TrainingConfig config = TrainingConfig.builder().seed(11).learningRate(1e-3)
        .schedule(TrainingConfig.Schedule.CONSTANT).microBatchSize(2).gradientAccumulation(2).maxSteps(2)
        .checkpointEvery(0).build();
    LoraConfig lora = LoraConfig.builder().rank(4).alpha(8).dropout(0).rsLora(true)
        .targetModules(LoraConfig.ALL_PROJECTIONS).build();
    try (Qwen2Model m = Qwen2Model.load(MODEL, Device.cpu(), Precision.FP32)) {
      LoraTrainer t = new LoraTrainer(LoraModel.attach(m, lora, 11), config, out, "sft", null, null);
      t.beforeBackward = beforeBackward;
      return t.train(data(), null).metrics();
    } finally {
      POISON.clear();
    }
  }

  @Test
  void garbageCollectionBetweenForwardAndBackwardDoesNotChangeGradients() {
    List<StepMetrics> quiet = train(tmp.resolve("quiet"), null);
    List<StepMetrics> collected = train(tmp.resolve("gc"), BackwardAfterGcTest::collectAndPoison);
    assertThat(quiet).hasSize(2);
    assertThat(quiet.get(0).gradNorm()).isFinite().isGreaterThan(0);
    assertThat(collected.stream().map(StepMetrics::gradNorm).toList())
        .containsExactlyElementsOf(quiet.stream().map(StepMetrics::gradNorm).toList());
    assertThat(collected.stream().map(StepMetrics::loss).toList())
        .containsExactlyElementsOf(quiet.stream().map(StepMetrics::loss).toList());
  }
}
