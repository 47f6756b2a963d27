package dev.medadapt.cli;

import dev.medadapt.examples.ChatExample;
import dev.medadapt.examples.EvaluateExample;
import dev.medadapt.examples.FineTuneExample;
import dev.medadapt.examples.RagExample;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code medadapt example NAME [options]}: runs one of the programs in {@code medadapt-examples}. The programs parse
 * their own few options (each is meant to be read and copied), so this command only names them and passes the rest on.
 */
@Command(
    name = "example",
    mixinStandardHelpOptions = true,
    description =
        "Runs one of the example programs of medadapt-examples (dev.medadapt.examples) on the embedded default, "
            + "or on your model and data when given. Every option is optional; --out DIR sets where it writes "
            + "(default target/medadapt-examples/NAME). `medadapt example NAME --help` lists an example's options.",
    subcommands = {
      ExampleCommand.Chat.class,
      ExampleCommand.Rag.class,
      ExampleCommand.FineTune.class,
      ExampleCommand.Evaluate.class,
    })
final class ExampleCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  /** Passes the remaining arguments to the example's {@code main}. */
  abstract static class Runner implements Runnable {
    /** The example's own {@code --name value} options, checked by the example itself. */
    @Unmatched List<String> args = new ArrayList<>();

    abstract Consumer<String[]> main();

    @Override
    public void run() {
      main().accept(args.toArray(String[]::new));
    }
  }

  @Command(
      name = "ChatExample",
      aliases = "chat",
      mixinStandardHelpOptions = true,
      description = {
        "Chat with the model's template, streamed tokens, seeded sampling, Reasoning.split, loglikelihood().",
        "Options: [--model DIR] [--question TEXT] [--out DIR]"
      })
  static final class Chat extends Runner {
    @Override
    Consumer<String[]> main() {
      return ChatExample::main;
    }
  }

  @Command(
      name = "RagExample",
      aliases = "rag",
      mixinStandardHelpOptions = true,
      description = {
        "MedRAG JSONL -> chunks -> persistent BM25 index -> RagPipeline with cited snippet ids.",
        "Options: [--model DIR] [--corpus FILE,FILE] [--question TEXT] [--out DIR]"
      })
  static final class Rag extends Runner {
    @Override
    Consumer<String[]> main() {
      return RagExample::main;
    }
  }

  @Command(
      name = "FineTuneExample",
      aliases = "finetune",
      mixinStandardHelpOptions = true,
      description = {
        "QLoRA SFT with the reference recipe, shortened: loss per step, PEFT adapter, merge, load the merged model.",
        "Options: [--model DIR] [--sft-data FILE] [--steps N] [--max-length N] [--out DIR]"
      })
  static final class FineTune extends Runner {
    @Override
    Consumer<String[]> main() {
      return FineTuneExample::main;
    }
  }

  @Command(
      name = "EvaluateExample",
      aliases = "evaluate",
      mixinStandardHelpOptions = true,
      description = {
        "Base vs BM25-RAG on MedQA and PubMedQA by log-likelihood, with Wilson intervals, McNemar and Holm.",
        "Options: [--model DIR] [--data DIR] [--corpus FILE,FILE] [--n N] [--out DIR]"
      })
  static final class Evaluate extends Runner {
    @Override
    Consumer<String[]> main() {
      return EvaluateExample::main;
    }
  }
}
