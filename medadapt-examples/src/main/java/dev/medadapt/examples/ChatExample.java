package dev.medadapt.examples;

import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import dev.medadapt.core.llm.Reasoning;
import dev.medadapt.core.model.LocalLanguageModel;
import dev.medadapt.study.EmbeddedDefault;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chat with a local model: the checkpoint's own chat template, tokens streamed to stdout as they are decoded, seeded
 * sampling (same seed, same text), the answer split from its {@code <think>} reasoning, and one log-likelihood call.
 *
 * <pre>
 * ChatExample [--model DIR] [--question TEXT] [--out DIR]
 * </pre>
 *
 * <p>Without {@code --model} it runs on the embedded tiny random Qwen2 model (extracted to {@code OUT/embedded}), whose
 * text is gibberish by design: it shows the calls, not medicine. With a real checkpoint such as
 * DeepSeek-R1-Distill-Qwen-1.5B the same code prints a reasoned answer. {@code --out} (default
 * {@code target/medadapt-examples/chat}) receives {@code chat.json} with everything printed.
 */
public final class ChatExample {
  private static final Logger LOG = LoggerFactory.getLogger(ChatExample.class);

  private ChatExample() {}

  public static void main(String[] args) {
    ExampleArgs opts = ExampleArgs.parse(args, "--model", "--question");
    Path out = opts.out("chat");
    boolean embedded = opts.path("--model").isEmpty();
    Path modelDir = opts.path("--model").orElseGet(() -> EmbeddedDefault.extract(out.resolve("embedded")).model());

    // The tiny model would happily babble 4,096 random bytes; a real reasoning model needs room to think.
    int maxNewTokens = embedded ? 32 : 1024;
    // DeepSeek-R1's recommended sampling (model card: temperature 0.6, top-p 0.95); the seed makes it repeatable.
    GenerationOptions options = GenerationOptions.builder()
        .maxNewTokens(maxNewTokens).temperature(0.6).topP(0.95).seed(4242).build();
    String question = opts.string("--question", "What is the first-line drug for type 2 diabetes?");
    if (embedded) {
      LOG.info("no --model: the embedded tiny random Qwen2 model; its text is noise by design, the calls are real");
    }

    // LanguageModel is AutoCloseable: it owns native PyTorch memory.
    try (LanguageModel lm = LocalLanguageModel.builder().modelPath(modelDir).build()) {
      LOG.info("loaded {}", lm.name());

      // 1. Chat: the messages are rendered with the template in tokenizer_config.json; pieces arrive as decoded.
      System.out.println("Question: " + question);
      System.out.print("Streamed: ");
      Generation g = lm.chat(List.of(ChatMessage.user(question)), options, piece -> {
        System.out.print(piece);
        System.out.flush();
      });
      System.out.println();
      System.out.printf(Locale.ROOT, "Tokens: %d prompt, %d generated, finish %s, %.2f s%n",
          g.promptTokens(), g.generatedTokens(), g.finishReason(), g.elapsed().toMillis() / 1000.0);

      // 2. R1-style models think inside <think>...</think> before answering; split the two.
      Reasoning r = Reasoning.split(g.text());
      System.out.println("Reasoning: " + (r.reasoning().isEmpty() ? "(none)" : r.reasoning()));
      System.out.println("Answer: " + (r.answer().isEmpty() ? "(none)" : r.answer()));
      System.out.println("Reasoning complete: " + r.complete());

      // 3. Log-likelihood (lm-evaluation-harness semantics): how likely is each continuation after the context?
      //    This is how multiple-choice benchmarks are scored without generating.
      String context = "Question: " + question + "\nAnswer:";
      List<String> continuations = List.of(" Metformin", " Insulin");
      List<LoglikelihoodResult> ll = lm.loglikelihood(continuations.stream()
          .map(c -> new LoglikelihoodRequest(context, c)).toList());
      Map<String, Object> scores = new LinkedHashMap<>();
      for (int i = 0; i < ll.size(); i++) {
        LoglikelihoodResult s = ll.get(i);
        System.out.printf(Locale.ROOT, "Log-likelihood of \"%s\": %.4f over %d tokens (greedy: %s)%n",
            continuations.get(i).strip(), s.logLikelihood(), s.tokens(), s.greedy());
        scores.put(continuations.get(i), Map.of("log_likelihood", s.logLikelihood(), "tokens", s.tokens(),
            "greedy", s.greedy()));
      }

      Map<String, Object> record = new LinkedHashMap<>();
      record.put("model", modelDir.toAbsolutePath().toString());
      record.put("question", question);
      record.put("seed", options.seed());
      record.put("text", g.text());
      record.put("reasoning", r.reasoning());
      record.put("answer", r.answer());
      record.put("generated_tokens", g.generatedTokens());
      record.put("loglikelihood_context", context);
      record.put("loglikelihood", scores);
      Path file = out.resolve("chat.json");
      ExampleArgs.writeJson(file, record);
      System.out.println("Wrote " + file);
    }
  }
}
