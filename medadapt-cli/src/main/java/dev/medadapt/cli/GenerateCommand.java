package dev.medadapt.cli;

import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code medadapt generate [--model DIR | --openai-url URL --openai-model NAME] --prompt TEXT [--chat] ...}: streams
 * the model's continuation
 * (or, with {@code --chat}, its answer to the prompt as a user message) to stdout; a summary line
 * goes to stderr.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Generate text with a local Qwen2-family model (or an OpenAI-compatible server), streaming it to stdout.")
public final class GenerateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--prompt", required = true, description = "The prompt text.")
  String prompt;

  @Option(names = "--chat", description = "Send the prompt as a user message through the model's chat template.")
  boolean chat;

  @Option(names = "--max-new-tokens", defaultValue = "256", description = "Upper bound on generated tokens (default ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default); > 0 samples.")
  double temperature;

  @Option(names = "--top-k", defaultValue = "0", description = "Sample among the k most likely tokens; 0 = off.")
  int topK;

  @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling mass in (0, 1]; 1 = off.")
  double topP;

  @Option(names = "--seed", defaultValue = "0", description = "Sampler seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--stop", description = "Stop string; repeat the option for several (a stop string may contain commas).")
  List<String> stop = List.of();

  @picocli.CommandLine.Mixin ModelOptions model = new ModelOptions();

  @Override
  public Integer call() {
    GenerationOptions options = GenerationOptions.builder()
        .maxNewTokens(maxNewTokens).temperature(temperature).topK(topK).topP(topP).seed(seed)
        .stopStrings(stop).build();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (ModelOptions.Opened opened = model.open("generate", err, b -> b.seed(seed))) {
      LanguageModel lm = opened.model();
      java.util.function.Consumer<String> sink = piece -> {
        out.print(piece);
        out.flush();
      };
      Generation g = chat
          ? lm.chat(List.of(ChatMessage.user(prompt)), options, sink)
          : lm.generate(prompt, options, sink);
      out.println();
      out.flush();
      err.printf(java.util.Locale.ROOT, "[%d prompt tokens, %d generated, %s, %.1f s, seed %d]%n", g.promptTokens(),
          g.generatedTokens(), g.finishReason(), g.elapsed().toMillis() / 1000.0, seed);
      err.flush();
    }
    return 0;
  }
}
