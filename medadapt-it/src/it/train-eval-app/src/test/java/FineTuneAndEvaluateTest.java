import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's FineTuneAndEvaluate program against the installed artifacts. */
class FineTuneAndEvaluateTest {
  @TempDir Path tmp;

  @Test
  void trainsMergesAndComparesPaired() throws Exception {
    Path testdata = Path.of(System.getProperty("medadapt.testdata"));
    Path studyData = Path.of(System.getProperty("medadapt.studydata"));
    Path model = testdata.resolve("models/qwen2-tiny-bytes-chat");
    Path sft = testdata.resolve("train/medical_o1_sample.json");

    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      FineTuneAndEvaluate.main(new String[] {
          model.toString(), sft.toString(), studyData.toString(), tmp.toString(), "1"});
    } finally {
      System.setOut(saved);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    saved.print(out);

    assertTrue(out.contains("Trained 1 steps"), out);
    assertTrue(Files.isRegularFile(tmp.resolve("sft/adapter/adapter_config.json")));
    assertTrue(Files.isRegularFile(tmp.resolve("sft/adapter/adapter_model.safetensors")));
    assertTrue(Files.isRegularFile(tmp.resolve("merged/config.json")));
    assertTrue(out.contains("Accuracy: base "), out);
    // One paired row per benchmark: MedQA only.
    assertEquals(1, out.lines().filter(l -> l.startsWith("medqa: difference ")).count(), out);
  }
}
