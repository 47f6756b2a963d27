package dev.medadapt.eval.prompt;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.eval.bench.Question;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The prompt formats by name: {@code seed} ({@link SeedPromptFormat}), {@code medrag}
 * ({@link MedRagPromptFormat}), {@code lmeval} ({@link LmEvalPromptFormat}). Also the option
 * rendering they share.
 */
public final class Prompts {
  private Prompts() {}

  /** Every name {@link #forName} accepts. */
  public static List<String> names() {
    return List.of("seed", "medrag", "lmeval");
  }

  /** A new prompt format called {@code name}. */
  public static PromptFormat forName(String name) {
    if (name == null) {
      throw new ConfigurationException("prompt format must be set, one of " + names());
    }
    switch (name) {
      case "seed":
        return new SeedPromptFormat();
      case "medrag":
        return new MedRagPromptFormat();
      case "lmeval":
        return new LmEvalPromptFormat();
      default:
        throw new ConfigurationException("unknown prompt format \"" + name + "\", expected one of " + names());
    }
  }

  /** Options as lines {@code "A. text"} joined by {@code \n}, as MedRAG renders them (keys sorted). */
  public static String optionLines(Question q) {
    return IntStream.range(0, q.options().size())
        .mapToObj(i -> Question.letter(i) + ". " + q.options().get(i))
        .collect(Collectors.joining("\n"));
  }

  /** "A, B, C or D" for four options; "A or B" for two. */
  static String letterList(Question q) {
    List<String> l = q.letters();
    if (l.size() == 1) {
      return l.get(0);
    }
    return String.join(", ", l.subList(0, l.size() - 1)) + " or " + l.get(l.size() - 1);
  }
}
