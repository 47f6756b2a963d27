import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.PackageVersion;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.model.LocalLanguageModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** medadapt-core alone, without the BOM: loads a checkpoint, renders its chat template and generates. */
class CoreWithoutBomTest {
  @Test
  void loadsRendersAndGenerates() {
    // The Jackson that Maven chose for this application is the one the SDK is built with.
    assertEquals(com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString(), PackageVersion.VERSION.toString());
    Path model = Path.of(System.getProperty("medadapt.testdata"), "models/qwen2-tiny-bytes-chat");
    try (LanguageModel lm = LocalLanguageModel.builder().modelPath(model).build()) {
      Generation g = lm.chat(List.of(ChatMessage.user("Which vitamin deficiency causes scurvy?")),
          GenerationOptions.greedy(8));
      assertTrue(g.generatedTokens() >= 1 && g.generatedTokens() <= 8, "generated " + g.generatedTokens());
    }
  }
}
