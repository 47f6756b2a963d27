package dev.medadapt.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs medadapt-benchmarks/jlama's {@code JlamaDecode} in a JVM of its own (JDK 21+, set by {@code ./bench}
 * through {@code -Djlama.java} and {@code -Djlama.home}) and prints MedAdapt's decode speed as a ratio of
 * Jlama's.
 */
final class JlamaPeer {
  private JlamaPeer() {}

  /**
   * Jlama's counterpart of each MedAdapt mode: FP32, FP16 and BF16 vs bf16-as-stored, NF4 vs Jlama's Q4, and INT8
   * against Jlama's fastest, Q4.
   */
  private static final Map<String, String> PEER_MODE = Map.of("FP32", "BF16", "FP16", "BF16", "BF16", "BF16", "NF4", "Q4",
      "NF4-FP16", "Q4", "INT8", "Q4", "INT8-FP16", "Q4");

  static void compare(Path dir, Path tokenizer, int prefill, int decode, Map<String, Double> medadaptDecodeTps)
      throws IOException, InterruptedException {
    String javaExe = System.getProperty("jlama.java");
    String home = System.getProperty("jlama.home");
    if (javaExe == null || home == null) {
      System.out.println("jlama: not run: start CoreBenchmark through ./bench, which builds the Jlama peer with a JDK 21+");
      return;
    }
    Path tok = dir.resolve("tokenizer.json");
    if (!Files.exists(tok)) {
      if (!Files.isRegularFile(tokenizer)) {
        System.out.println("jlama: not run: Jlama needs a tokenizer.json to load a model; none at " + tokenizer
            + " (pass --tokenizer FILE or -Dmedadapt.data=DIR)");
        return;
      }
      Files.copy(tokenizer, tok, StandardCopyOption.REPLACE_EXISTING);
    }
    Map<String, Map<String, String>> peerRuns = new HashMap<>();
    for (Map.Entry<String, Double> e : medadaptDecodeTps.entrySet()) {
      String peerMode = PEER_MODE.get(e.getKey());
      if (peerMode == null) {
        continue;
      }
      if (!peerRuns.containsKey(peerMode)) {
        Map<String, String> kv = run(javaExe, home, dir, peerMode, prefill, decode);
        peerRuns.put(peerMode, kv);
        if (kv != null) {
          System.out.printf(Locale.ROOT,
              "jlama %-4s load %s s | RSS after load %s GB, peak %s GB | prefill %s tok: %s tok/s | decode %s tok: %s tok/s"
                  + " (%s per CPU-second) (java %s)%n",
              peerMode, kv.get("load_s"), kv.get("rss_loaded_gb"), kv.get("peak_rss_gb"), kv.get("prefill_tokens"),
              kv.get("prefill_tps"), kv.get("decode_tokens"), kv.get("decode_tps"), kv.get("decode_cpu_tps"), kv.get("java"));
        }
      }
      Map<String, String> kv = peerRuns.get(peerMode);
      if (kv != null) {
        double jlamaTps = Double.parseDouble(kv.get("decode_tps"));
        System.out.printf(Locale.ROOT, "ratio: MedAdapt %s decode %.2f tok/s / Jlama %s decode %.2f tok/s = %.2fx%n",
            e.getKey(), e.getValue(), peerMode, jlamaTps, e.getValue() / jlamaTps);
        Double ours = CoreBenchmark.CPU_TPS.get(e.getKey());
        if (ours != null && kv.get("decode_cpu_tps") != null) {
          double theirs = Double.parseDouble(kv.get("decode_cpu_tps"));
          System.out.printf(Locale.ROOT,
              "ratio per CPU-second: MedAdapt %s %.2f tok/CPU-s / Jlama %s %.2f tok/CPU-s = %.2fx (load: %s)%n",
              e.getKey(), ours, peerMode, theirs, ours / theirs,
              java.nio.file.Files.readString(Path.of("/proc/loadavg")).strip());
        }
      }
    }
  }

  /** One Jlama run; its parsed result line, or null (after saying why) if it failed. */
  private static Map<String, String> run(String javaExe, String home, Path dir, String peerMode, int prefill, int decode)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(javaExe, "--add-modules", "jdk.incubator.vector",
        "-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0", // as Jlama's own launch scripts run it
        "--enable-native-access=ALL-UNNAMED", "-Xss4m", "-cp", home + "/target/classes:" + home + "/target/lib/*",
        "dev.medadapt.bench.jlama.JlamaDecode", "--dir", dir.toString(), "--mode", peerMode,
        "--prefill", Integer.toString(prefill), "--decode", Integer.toString(decode)));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    int rc = p.waitFor();
    String line = out.lines().filter(l -> l.startsWith("jlama-result ")).findFirst().orElse(null);
    if (rc != 0 || line == null) {
      System.out.println("jlama " + peerMode + ": failed (exit " + rc + "); its stderr is above");
      return null;
    }
    Map<String, String> kv = new HashMap<>();
    for (String part : line.substring("jlama-result ".length()).split(" ")) {
      int eq = part.indexOf('=');
      kv.put(part.substring(0, eq), part.substring(eq + 1));
    }
    return kv;
  }
}
