package dev.medadapt.core.model;

import dev.medadapt.core.testing.ByteTokenizer;
import ai.djl.Device;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Child-JVM probe for {@link GeneratorTest}: run with a pre-touched fixed-size Java heap so that
 * VmRSS changes are native memory only. Prints "rss-kb BEFORE AFTER TOKENS".
 */
public final class RssProbe {
  private RssProbe() {}

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    int tokens = Integer.parseInt(args[1]);
    try (Qwen2Model m = Qwen2Model.load(model, Device.cpu(), Precision.FP32)) {
      Generator g = new Generator(m, new ByteTokenizer(), Set.of(), 4096); // no EOS: always `tokens` tokens
      int[] prompt = new ByteTokenizer().encode("Patient history:");
      GenerationOptions o = GenerationOptions.greedy(tokens);
      // Warm-up runs until VmRSS settles (JIT code and arenas, the native allocator's pools), at most 4.
      long last = -1;
      for (int w = 0; w < 4; w++) {
        g.generate(List.of(prompt), o, (i, t) -> {});
        long now = GeneratorTest.vmRssKb(Path.of("/proc/self/status"));
        System.out.println("warm-up rss-kb " + now);
        if (last >= 0 && Math.abs(now - last) < 1024) {
          break;
        }
        last = now;
      }
      long before = GeneratorTest.vmRssKb(Path.of("/proc/self/status"));
      int n = g.generate(List.of(prompt), o, (i, t) -> {}).get(0).tokens().length;
      long after = GeneratorTest.vmRssKb(Path.of("/proc/self/status"));
      System.out.println("rss-kb " + before + " " + after + " " + n);
    }
  }
}
