package dev.medadapt.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import dev.medadapt.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end on the complete tiny model folder (tokenizer, chat template, generation config). */
class LocalLanguageModelTest {
  private static final Path DIR = TestResources.tinyModel("qwen2-tiny-bytes-chat");
  private static LocalLanguageModel lm;

  @BeforeAll
  static void load() {
    lm = LocalLanguageModel.builder().modelPath(DIR).build();
  }

  @AfterAll
  static void close() {
    lm.close();
  }

  @Test
  void readsEosFromConfigAndGenerationConfig() {
    assertThat(lm.eosTokenIds()).containsExactlyInAnyOrder(258, 256);
    assertThat(lm.name()).isEqualTo("qwen2-tiny-bytes-chat");
    assertThat(lm.tokenizer()).containsSame(lm.hfTokenizer());
    assertThat(lm.maxContext()).isEqualTo(4096);
    assertThat(lm.supportsLoglikelihood()).isTrue();
  }

  @Test
  void generateStreamsTheTextItReturns() {
    StringBuilder streamed = new StringBuilder();
    Generation g = lm.generate("The patient", GenerationOptions.greedy(24), streamed::append);
    assertThat(streamed.toString()).isEqualTo(g.text());
    assertThat(g.promptTokens()).isEqualTo(lm.hfTokenizer().encode("The patient", true).length);
    assertThat(g.generatedTokens()).isBetween(1, 24);
    if (g.finishReason() == Generation.FinishReason.LENGTH) {
      assertThat(g.generatedTokens()).isEqualTo(24);
    }
    // Deterministic: the same greedy call gives the same text.
    assertThat(lm.generate("The patient", GenerationOptions.greedy(24)).text()).isEqualTo(g.text());
  }

  @Test
  void chatRendersTheTemplateAndStopsAtEos() {
    List<ChatMessage> msgs = List.of(ChatMessage.system("You are a careful clinician."), ChatMessage.user("Fever?"));
    int[] ids = lm.encodeChat(msgs);
    String rendered = lm.chatTemplate().orElseThrow().render(msgs, true);
    assertThat(ids).containsExactly(lm.hfTokenizer().encode(rendered, false));
    assertThat(ids[0]).isEqualTo(257); // <|im_start|> as one special token
    assertThat(rendered).endsWith("<|im_start|>assistant\n");
    Generation g = lm.chat(msgs, GenerationOptions.greedy(40));
    assertThat(g.promptTokens()).isEqualTo(ids.length);
    assertThat(g.text()).doesNotContain("<|im_end|>").doesNotContain("<|endoftext|>");
    // Sampling with a seed reproduces itself.
    GenerationOptions s = GenerationOptions.builder().maxNewTokens(30).temperature(0.9).topP(0.9).seed(11).build();
    assertThat(lm.chat(msgs, s).text()).isEqualTo(lm.chat(msgs, s).text());
  }

  @Test
  void batchEqualsOneByOne() {
    List<String> prompts = List.of("a", "Shortness of breath on exertion", "ECG:");
    List<Generation> batch = lm.generateBatch(prompts, GenerationOptions.greedy(12));
    for (int i = 0; i < prompts.size(); i++) {
      assertThat(batch.get(i).text()).isEqualTo(lm.generate(prompts.get(i), GenerationOptions.greedy(12)).text());
    }
  }

  @Test
  void chatBatchEqualsOneByOneWithRowsStoppingAtDifferentSteps() {
    List<List<ChatMessage>> convs = List.of(
        List.of(ChatMessage.user("Fever?")),
        List.of(ChatMessage.system("You are a careful clinician."), ChatMessage.user("Chest pain radiating to the left arm")),
        List.of(ChatMessage.user("ECG")),
        List.of(ChatMessage.user("a")));
    GenerationOptions greedy = GenerationOptions.greedy(40);
    List<Generation> batch = lm.chatBatch(convs, greedy);
    assertThat(batch).hasSize(convs.size());
    for (int i = 0; i < convs.size(); i++) {
      Generation one = lm.chat(convs.get(i), greedy);
      assertThat(batch.get(i).text()).as("conversation %d", i).isEqualTo(one.text());
      assertThat(batch.get(i).generatedTokens()).isEqualTo(one.generatedTokens());
      assertThat(batch.get(i).finishReason()).isEqualTo(one.finishReason());
    }
    // Left padding is exercised: the prompts differ in length.
    assertThat(convs.stream().map(lm::encodeChat).mapToInt(a -> a.length).distinct().count()).isGreaterThan(1);
    assertThat(lm.chatBatch(List.of(), greedy)).isEmpty();
  }

  @Test
  void loglikelihoodMatchesAFullForward() {
    List<LoglikelihoodResult> r = lm.loglikelihood(List.of(
        new LoglikelihoodRequest("Dose:", " 5 mg"), new LoglikelihoodRequest("Dose:", " 50 mg")));
    int[] all = lm.hfTokenizer().encode("Dose: 5 mg");
    int ctx = lm.hfTokenizer().encode("Dose:").length;
    double ref = 0;
    try (NDManager m = lm.model().manager().newSubManager()) {
      float[] logp = lm.model().forward(m.create(new long[][] {Arrays.stream(all).asLongStream().toArray()}))
          .logSoftmax(-1).toFloatArray();
      int v = lm.model().config().vocabSize();
      for (int i = ctx; i < all.length; i++) {
        ref += logp[(i - 1) * v + all[i]];
      }
    }
    assertThat(r.get(0).logLikelihood()).isCloseTo(ref, within(1e-4 * Math.abs(ref)));
    assertThat(r.get(0).tokens()).isEqualTo(all.length - ctx);
    assertThat(r.get(1).tokens()).isEqualTo(r.get(0).tokens() + 1);
  }

  @Test
  void builderValidatesAtBuild(@TempDir Path tmp) throws Exception {
    assertThatThrownBy(() -> LocalLanguageModel.builder().build())
        .isInstanceOf(ConfigurationException.class).hasMessage("modelPath must be set");
    assertThatThrownBy(() -> LocalLanguageModel.builder().modelPath(DIR).maxContext(1).build())
        .isInstanceOf(ConfigurationException.class).hasMessage("maxContext must be in [2, 4096], was 1");
    assertThatThrownBy(() -> LocalLanguageModel.builder().modelPath(DIR.resolve("config.json")).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("not a directory");
    // A weights-only folder has no tokenizer.json: the error names it.
    Path f32 = TestResources.tinyModel("qwen2-tiny-f32");
    assertThatThrownBy(() -> LocalLanguageModel.builder().modelPath(f32).build())
        .isInstanceOf(ModelFormatException.class).hasMessageContaining(f32.resolve("tokenizer.json").toAbsolutePath().toString());
    // Without a chat template, chat() says so and generate() still works.
    for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
      Files.copy(DIR.resolve(f), tmp.resolve(f));
    }
    try (LocalLanguageModel noTemplate = LocalLanguageModel.builder().modelPath(tmp).build()) {
      assertThatThrownBy(() -> noTemplate.chat(List.of(ChatMessage.user("hi")), GenerationOptions.greedy(2)))
          .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("chat_template");
      assertThat(noTemplate.eosTokenIds()).containsExactly(258);
      assertThat(noTemplate.generate("x", GenerationOptions.greedy(3)).generatedTokens()).isPositive();
    }
  }
}
