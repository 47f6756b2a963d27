package dev.medadapt.train.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.Qwen2Config;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.safetensors.DType;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.train.DeterministicRandom;
import dev.medadapt.train.lora.LoraAdapter;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.lora.LoraModel;
import dev.medadapt.train.lora.LoraPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterMergerTest {
  @TempDir Path tmp;
  private static final long[][] IDS = {{3, 200, 17, 64, 99, 5, 250, 1}};

  /** Random non-zero factors on every target, so the merge has something to do everywhere. */
  static LoraAdapter randomAdapter(Qwen2Model m, long seed) {
    LoraConfig cfg = LoraConfig.builder().rank(4).alpha(8).rsLora(true)
        .targetModules("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "embed_tokens",
            "lm_head").build();
    LoraAdapter a = LoraModel.attach(m, cfg, seed).toAdapter();
    DeterministicRandom r = new DeterministicRandom(seed);
    for (LoraPair p : a.modules().values()) {
      for (float[] d : new float[][] {p.a().data(), p.b().data()}) {
        for (int i = 0; i < d.length; i++) {
          d[i] = (float) (0.05 * r.nextGaussian());
        }
      }
    }
    return a;
  }

  private static float[] logits(Qwen2Model m) {
    try (NDManager s = m.manager().newSubManager()) {
      NDArray out = m.forward(s.create(IDS));
      return out.toFloatArray();
    }
  }

  private void mergedEqualsUnmerged(String fixture, DType outputDtype) {
    Path base = TestResources.tinyModel(fixture);
    float[] unmerged;
    LoraAdapter adapter;
    try (Qwen2Model m = Qwen2Model.load(base, Device.cpu(), Precision.FP32)) {
      float[] plain = logits(m);
      adapter = randomAdapter(m, 21);
      LoraModel.attach(m, adapter);
      unmerged = logits(m);
      double change = 0;
      for (int i = 0; i < plain.length; i++) {
        change = Math.max(change, Math.abs(plain[i] - unmerged[i]));
      }
      assertThat(change).as("the adapter changes the logits").isGreaterThan(1e-2);
    }
    Path out = tmp.resolve(fixture + "-merged");
    AdapterMerger.merge(base, adapter, out, outputDtype);
    try (Qwen2Model merged = Qwen2Model.load(out, Device.cpu(), Precision.FP32)) {
      float[] got = logits(merged);
      double maxDiff = 0;
      double maxRef = 0;
      for (int i = 0; i < got.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(got[i] - unmerged[i]));
        maxRef = Math.max(maxRef, Math.abs(unmerged[i]));
      }
      System.err.printf("%s merged vs unmerged: max |diff| / max |ref| = %.3g%n", fixture, maxDiff / maxRef);
      assertThat(maxDiff / maxRef).isLessThanOrEqualTo(1e-4);
    }
  }

  @Test
  void mergedForwardEqualsUnmergedForward() {
    mergedEqualsUnmerged("qwen2-tiny-f32", null);
  }

  @Test
  void tiedEmbeddingsAreUntiedWhenEmbedOrHeadIsAdapted() {
    mergedEqualsUnmerged("qwen2-tiny-bf16-tied", DType.F32);
    Qwen2Config c = Qwen2Config.load(tmp.resolve("qwen2-tiny-bf16-tied-merged"));
    assertThat(c.tieWordEmbeddings()).isFalse();
    assertThat(tmp.resolve("qwen2-tiny-bf16-tied-merged/provenance.json")).exists();
  }

  @Test
  void mergedFolderKeepsTokenizerFiles() {
    Path base = TestResources.tinyModel("qwen2-tiny-bytes-chat");
    LoraAdapter adapter;
    try (Qwen2Model m = Qwen2Model.load(base, Device.cpu(), Precision.FP32)) {
      adapter = randomAdapter(m, 3);
    }
    Path out = tmp.resolve("bytes-merged");
    AdapterMerger.merge(base, adapter, out, null);
    assertThat(out.resolve("tokenizer.json")).exists();
    assertThat(out.resolve("tokenizer_config.json")).exists();
    assertThat(out.resolve("generation_config.json")).exists();
    assertThat(out.resolve("model.safetensors")).exists();
  }

  private LoraAdapter bytesAdapter(long seed) {
    try (Qwen2Model m = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-bytes-chat"), Device.cpu(),
        Precision.FP32)) {
      return randomAdapter(m, seed);
    }
  }

  @Test
  void aSecondMergeReplacesTheFirstWholeAndLeavesNoWorkFolders() throws Exception {
    Path base = TestResources.tinyModel("qwen2-tiny-bytes-chat");
    Path out = tmp.resolve("merged");
    AdapterMerger.merge(base, bytesAdapter(3), out, null);
    byte[] first = Files.readAllBytes(out.resolve("model.safetensors"));
    // A leftover of a merge that was killed half-way is not mistaken for a result: it is cleared first.
    Files.createDirectories(tmp.resolve("merged.partial"));
    Files.writeString(tmp.resolve("merged.partial/model.safetensors"), "torn");
    AdapterMerger.merge(base, bytesAdapter(4), out, null);
    assertThat(Files.readAllBytes(out.resolve("model.safetensors"))).isNotEqualTo(first);
    assertThat(tmp.resolve("merged.partial")).doesNotExist();
    assertThat(tmp.resolve("merged.replaced")).doesNotExist();
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("merged");
    }
  }

  @Test
  void aFolderThatIsNotACheckpointIsRefusedAndLeftAlone() throws Exception {
    Path out = Files.createDirectories(tmp.resolve("notes"));
    Files.writeString(out.resolve("todo.txt"), "keep me");
    assertThatThrownBy(() -> AdapterMerger.merge(TestResources.tinyModel("qwen2-tiny-bytes-chat"), bytesAdapter(3),
        out, null))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(out.toString())
        .hasMessageContaining("no config.json");
    assertThat(Files.readString(out.resolve("todo.txt"))).isEqualTo("keep me");
    assertThat(tmp.resolve("notes.partial")).doesNotExist();
  }

  @Test
  void aFileAsOutputIsRefusedByName() throws Exception {
    Path out = Files.writeString(tmp.resolve("merged.bin"), "x");
    assertThatThrownBy(() -> AdapterMerger.merge(TestResources.tinyModel("qwen2-tiny-bytes-chat"), bytesAdapter(3),
        out, null))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(out + ": it is a file");
  }

  @Test
  void theAdapterFolderOverloadReadsThePeftFiles() {
    Path base = TestResources.tinyModel("qwen2-tiny-bytes-chat");
    LoraAdapter adapter = bytesAdapter(5);
    Path adapterDir = tmp.resolve("adapter");
    PeftAdapterIO.write(adapterDir, adapter, base.toString());
    AdapterMerger.merge(base, adapterDir, tmp.resolve("from-folder"), null);
    AdapterMerger.merge(base, adapter, tmp.resolve("from-memory"), null);
    assertThat(tmp.resolve("from-folder/model.safetensors")).hasSameBinaryContentAs(
        tmp.resolve("from-memory/model.safetensors"));
  }
}
