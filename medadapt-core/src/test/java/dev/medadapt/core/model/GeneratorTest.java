package dev.medadapt.core.model;

import dev.medadapt.core.testing.ByteTokenizer;
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
  void aBatchRowWithoutRoomIsNamedByItsIndex() {
    Generator g = new Generator(model, TOK, Set.of(), 64);
    List<int[]> empty = List.of(TOK.encode("Chest pain"), new int[0]);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> g.generate(empty, GenerationOptions.greedy(4), (i, t) -> {}))
        .isInstanceOf(dev.medadapt.core.ConfigurationException.class)
        .hasMessage("prompt 1 of the batch must have at least one token");
    List<int[]> tooLong = List.of(TOK.encode("a"), TOK.encode("b"), new int[64]);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> g.generate(tooLong, GenerationOptions.greedy(4), (i, t) -> {}))
        .isInstanceOf(dev.medadapt.core.ConfigurationException.class)
        .hasMessage("prompt 2 of the batch of 64 tokens leaves no room in the context of 64 tokens");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> g.generate(List.of(new int[70]), GenerationOptions.greedy(4), (i, t) -> {}))
        .hasMessage("prompt of 70 tokens leaves no room in the context of 64 tokens");
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
  void neverGeneratesIdsPastTheSamplableVocabulary() {
    // The fixture's model has 264 rows but its tokenizer only 259 ids; LocalLanguageModel passes 259.
    Generator g = new Generator(model, TOK, Set.of(), 4096, 40);
    GenerationOptions hot = GenerationOptions.builder().maxNewTokens(200).temperature(50).seed(3).build();
    int[] t = g.generate(List.of(TOK.encode("x")), hot, (i, s) -> {}).get(0).tokens();
    assertThat(t).hasSize(200);
    assertThat(Arrays.stream(t).max().orElseThrow()).isLessThan(40);
    assertThat(Arrays.stream(t).distinct().count()).isGreaterThan(20); // it did sample widely
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
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/status")),
        "needs Linux /proc/self/status for VmRSS");
    // A child JVM with a fixed, pre-touched heap: growth of its VmRSS is then native memory only.
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb = new ProcessBuilder(javaBin.toString(), "-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch",
        "-XX:TieredStopAtLevel=1", // C1 only: compiler arenas settle sooner
        "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
        "-cp", System.getProperty("java.class.path"), RssProbe.class.getName(),
        TestResources.tinyModel("qwen2-tiny-bytes-chat").toString(), "1000");
    pb.environment().put("MALLOC_MMAP_MAX_", "0");
    pb.environment().put("MALLOC_TRIM_THRESHOLD_", "4294967296");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    String line = out.lines().filter(l -> l.startsWith("rss-kb ")).findFirst().orElseThrow(() -> new AssertionError(out));
    System.err.println("native-memory check (child JVM, fixed pre-touched heap): " + out.lines().filter(l -> l.contains("rss-kb")).toList());
    String[] f = line.split(" ");
    long before = Long.parseLong(f[1]);
    long after = Long.parseLong(f[2]);
    assertThat(Integer.parseInt(f[3])).isEqualTo(1000);
    // The second 1,000-token run must reuse what the first freed: every request tensor (KV cache,
    // activations, logits) lives in the request's sub-manager. A leak of one 16 KB tensor per step
    // would add 16 MB; bound 8 MB.
    assertThat(after - before).as("VmRSS growth in kB over a 1,000-token run (before %d, after %d)", before, after)
        .isLessThan(8 * 1024);
  }

  @Test
  void requestTensorsAreFreedWhenGenerationEnds() {
    var weights = (ai.djl.ndarray.BaseNDManager) model.manager();
    int before = weights.getManagedArrays().size();
    generator(Set.of()).generate(List.of(TOK.encode("abc")), GenerationOptions.greedy(50), (i, t) -> {});
    assertThat(weights.getManagedArrays()).hasSize(before);
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
