package dev.medadapt.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.medadapt.core.llm.Generation.FinishReason;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  private static Qwen2Model model;
  private static final ByteTokenizer TOK = new ByteTokenizer();

  @BeforeAll
  static void load() {
    model = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-bytes-chat"), Device.cpu(), Precision.FP32);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  /** Greedy tokens by repeated full forwards without a cache: the reference for the cached loop. */
  private static int[] naiveGreedy(int[] prompt, int n) {
    int[] cur = prompt.clone();
    int[] out = new int[n];
    for (int s = 0; s < n; s++) {
      long[] ids = Arrays.stream(cur).asLongStream().toArray();
      try (NDManager m = model.manager().newSubManager()) {
        out[s] = (int) model.forward(m.create(new long[][] {ids})).get(0).get(ids.length - 1).argMax().getLong();
      }
      cur = Arrays.copyOf(cur, cur.length + 1);
      cur[cur.length - 1] = out[s];
    }
    return out;
  }

  private static Generator generator(Set<Integer> eos) {
    return new Generator(model, TOK, eos, 4096);
  }

  @Test
  void greedyWithCacheEqualsNaiveGreedy() {
    int[] prompt = TOK.encode("Fever and cough for three days");
    Generator.Result r = generator(Set.of()).generate(List.of(prompt), GenerationOptions.greedy(20), (i, t) -> {})
        .get(0);
    assertThat(r.tokens()).containsExactly(naiveGreedy(prompt, 20));
    assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(r.promptTokens()).isEqualTo(prompt.length);
  }

  @Test
  void batchedGreedyEqualsUnbatchedGreedy() {
    List<int[]> prompts = List.of(TOK.encode("Chest pain"), TOK.encode("A 54-year-old man with diabetes"),
        TOK.encode("Dose of amoxicillin?"));
    Generator g = generator(Set.of());
    List<Generator.Result> batched = g.generate(prompts, GenerationOptions.greedy(15), (i, t) -> {});
    for (int i = 0; i < prompts.size(); i++) {
      Generator.Result alone = g.generate(List.of(prompts.get(i)), GenerationOptions.greedy(15), (r, t) -> {}).get(0);
      assertThat(batched.get(i).tokens()).as("row %d", i).containsExactly(alone.tokens());
      assertThat(batched.get(i).text()).isEqualTo(alone.text());
    }
  }

  @Test
  void sameSeedSameTokensOtherSeedOtherTokens() {
    int[] prompt = TOK.encode("Symptoms:");
    Generator g = generator(Set.of());
    GenerationOptions o = GenerationOptions.builder().maxNewTokens(30).temperature(1.5).topK(50).topP(0.95).seed(7).build();
    int[] a = g.generate(List.of(prompt), o, (i, t) -> {}).get(0).tokens();
    int[] b = g.generate(List.of(prompt), o, (i, t) -> {}).get(0).tokens();
    int[] c = g.generate(List.of(prompt), o.toBuilder().seed(8).build(), (i, t) -> {}).get(0).tokens();
    assertThat(a).containsExactly(b);
    assertThat(a).isNotEqualTo(c);
    // A batch row samples what it samples alone.
    List<Generator.Result> batch = g.generate(List.of(TOK.encode("Other prompt"), prompt), o, (i, t) -> {});
    assertThat(batch.get(1).tokens()).containsExactly(a);
  }

  @Test
  void stopTokenEndsGenerationAndIsNotIncluded() {
    int[] prompt = TOK.encode("Fever and cough for three days");
    int[] greedy = naiveGreedy(prompt, 6);
    int stopAt = 3;
    int stopTok = greedy[stopAt];
    int firstIdx = 0;
    while (greedy[firstIdx] != stopTok) {
      firstIdx++;
    }
    // As a model EOS id ...
    Generator.Result eos = generator(Set.of(stopTok)).generate(List.of(prompt), GenerationOptions.greedy(6), (i, t) -> {})
        .get(0);
    assertThat(eos.tokens()).containsExactly(Arrays.copyOf(greedy, firstIdx));
    assertThat(eos.finishReason()).isEqualTo(FinishReason.STOP);
    // ... and as a user's stop token id.
    Generator.Result user = generator(Set.of()).generate(List.of(prompt),
        GenerationOptions.builder().maxNewTokens(6).stopTokenIds(Set.of(stopTok)).build(), (i, t) -> {}).get(0);
    assertThat(user.tokens()).containsExactly(eos.tokens());
  }

  @Test
  void stopStringCutsTextAndStreamingAddsUpToTheText() {
    int[] prompt = TOK.encode("Fever and cough for three days");
    Generator g = generator(Set.of());
    Generator.Result free = g.generate(List.of(prompt), GenerationOptions.greedy(40), (i, t) -> {}).get(0);
    String full = free.text();
    assertThat(full).isNotEmpty();
    String stop = full.substring(full.length() / 2, full.length() / 2 + 2);
    int expectedCut = full.indexOf(stop);
    StringBuilder streamed = new StringBuilder();
    List<String> pieces = new ArrayList<>();
    Generator.Result cut = g.generate(List.of(prompt),
        GenerationOptions.builder().maxNewTokens(40).stopStrings(List.of(stop)).build(),
        (i, t) -> {
          streamed.append(t);
          pieces.add(t);
        }).get(0);
    assertThat(cut.text()).isEqualTo(full.substring(0, expectedCut));
    assertThat(cut.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(streamed.toString()).isEqualTo(cut.text());
    StringBuilder all = new StringBuilder();
    g.generate(List.of(prompt), GenerationOptions.greedy(40), (i, t) -> all.append(t));
    assertThat(all.toString()).isEqualTo(full);
  }

  @Test
  void longGenerationDoesNotGrowNativeMemory() throws Exception {
    Path status = Path.of("/proc/self/status");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(status), "needs Linux /proc/self/status for VmRSS");
    Generator g = generator(Set.of()); // no EOS: always 1,000 tokens
    int[] prompt = TOK.encode("Patient history:");
    GenerationOptions o = GenerationOptions.greedy(1000);
    g.generate(List.of(prompt), GenerationOptions.greedy(100), (i, t) -> {}); // warm-up: allocator pools, JIT
    System.gc();
    long before = vmRssKb(status);
    Generator.Result r = g.generate(List.of(prompt), o, (i, t) -> {}).get(0);
    System.gc();
    long after = vmRssKb(status);
    assertThat(r.tokens()).hasSize(1000);
    // Everything a 1,000-token run legitimately holds at its end is the KV cache (2 layers x K,V x 1,000
    // positions x 32 floats = 0.5 MB), all freed when the request's manager closes; a leak of even one
    // 16 KB tensor per step would show as 16 MB. Bound: 16 MB of RSS growth.
    assertThat(after - before).as("VmRSS growth in kB (before %d, after %d)", before, after).isLessThan(16 * 1024);
  }

  static long vmRssKb(Path status) throws Exception {
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in " + status);
  }
}
