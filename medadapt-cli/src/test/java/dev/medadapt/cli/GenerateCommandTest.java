package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.model.LocalLanguageModel;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.testing.TestResources;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class GenerateCommandTest {
  private static final Path DIR = TestResources.tinyModel("qwen2-tiny-bytes-chat");

  @Test
  void streamsTheSameTextTheLibraryGenerates() {
    String expected;
    String expectedChat;
    GenerationOptions sampled = GenerationOptions.builder().maxNewTokens(16).temperature(0.8).topK(40).topP(0.9).seed(5).build();
    try (LocalLanguageModel lm = LocalLanguageModel.builder().modelPath(DIR).build()) {
      expected = lm.generate("Fever", GenerationOptions.greedy(16)).text();
      expectedChat = lm.chat(List.of(ChatMessage.user("Fever")), sampled).text();
    }
    LogitsCommandTest.Run r = LogitsCommandTest.run("generate", "--model", DIR.toString(), "--prompt", "Fever",
        "--max-new-tokens", "16");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(expected + System.lineSeparator());
    assertThat(r.err()).contains("generated");
    LogitsCommandTest.Run c = LogitsCommandTest.run("generate", "--model", DIR.toString(), "--prompt", "Fever",
        "--chat", "--max-new-tokens", "16", "--temperature", "0.8", "--top-k", "40", "--top-p", "0.9", "--seed", "5");
    assertThat(c.code()).as(c.err()).isZero();
    assertThat(c.out()).isEqualTo(expectedChat + System.lineSeparator());
  }

  @Test
  void loadOptionsReachTheModel() {
    assertGeneratesAsTheBuilder(b -> b.dtype(Precision.FP16).quantization(Quantization.NF4),
        "--dtype", "FP16", "--quantization", "NF4");
    assertGeneratesAsTheBuilder(b -> b.quantization(Quantization.INT8), "--quantization", "INT8");
    assertGeneratesAsTheBuilder(b -> b.dtype(Precision.BF16), "--dtype", "BF16");
    LogitsCommandTest.Run bad = LogitsCommandTest.run("generate", "--model", DIR.toString(), "--prompt", "x",
        "--dtype", "FP8");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--dtype").contains("FP32, FP16, BF16");
  }

  /** {@code generate} with {@code flags} prints what a model built with {@code options} generates, greedily. */
  private static void assertGeneratesAsTheBuilder(UnaryOperator<LocalLanguageModel.Builder> options, String... flags) {
    String expected;
    try (LocalLanguageModel lm = options.apply(LocalLanguageModel.builder().modelPath(DIR)).build()) {
      expected = lm.generate("Fever", GenerationOptions.greedy(16)).text();
    }
    List<String> args = new java.util.ArrayList<>(List.of("generate", "--model", DIR.toString(), "--prompt", "Fever",
        "--max-new-tokens", "16"));
    args.addAll(List.of(flags));
    LogitsCommandTest.Run r = LogitsCommandTest.run(args.toArray(String[]::new));
    assertThat(r.code()).as(String.join(" ", flags) + ": " + r.err()).isZero();
    assertThat(r.out()).as(String.join(" ", flags)).isEqualTo(expected + System.lineSeparator());
  }

  @Test
  void badOptionsAreReportedNotThrown() {
    LogitsCommandTest.Run r = LogitsCommandTest.run("generate", "--model", DIR.toString(), "--prompt", "x",
        "--top-p", "1.5");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: ").contains("topP must be in (0, 1], was 1.5");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void withoutModelRunsTheEmbeddedModelAndSaysSo() {
    String expected;
    try (LocalLanguageModel lm = LocalLanguageModel.builder().modelPath(DIR).build()) {
      expected = lm.generate("Fever", GenerationOptions.greedy(8)).text();
    }
    LogitsCommandTest.Run r = LogitsCommandTest.run("generate", "--prompt", "Fever", "--max-new-tokens", "8");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("generate: no --model or --openai-url, so the embedded model runs").contains("RANDOM");
    // the embedded model is the same tiny fixture
    assertThat(r.out()).isEqualTo(expected + System.lineSeparator());
  }
}
