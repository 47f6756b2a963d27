package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.core.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Conventions every command keeps, checked by walking picocli's model of the whole command line: every option and
 * positional parameter has a description, every list option takes a comma list, an option name means the same kind of
 * value in every command, and an output path that is a file is a named error, never a stack trace.
 */
class CliConventionsTest {
  @TempDir Path tmp;

  private static List<CommandSpec> allCommands() {
    List<CommandSpec> out = new ArrayList<>();
    collect(MedAdaptCli.commandLine(), out);
    return out;
  }

  private static void collect(CommandLine cl, List<CommandSpec> out) {
    out.add(cl.getCommandSpec());
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (!out.contains(sub.getCommandSpec())) {
        collect(sub, out);
      }
    }
  }

  private static String where(CommandSpec c, ArgSpec a) {
    return c.qualifiedName() + " " + (a instanceof OptionSpec o ? o.longestName() : a.paramLabel());
  }

  @Test
  void everyOptionAndParameterHasADescription() {
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (CommandSpec c : allCommands()) {
      for (ArgSpec a : c.args()) {
        checked++;
        String text = String.join(" ", a.description()).strip();
        if (text.isEmpty()) {
          missing.add(where(c, a));
        }
      }
    }
    assertThat(checked).as("options walked").isGreaterThan(150);
    assertThat(missing).as("options and parameters without a description").isEmpty();
  }

  @Test
  void everyListOptionTakesACommaList() {
    List<String> wrong = new ArrayList<>();
    for (CommandSpec c : allCommands()) {
      for (OptionSpec o : c.options()) {
        // generate --stop takes free text, which may itself contain commas: it is repeated instead
        boolean freeText = o.longestName().equals("--stop");
        if (o.isMultiValue() && !freeText && !Map.class.isAssignableFrom(o.type()) && !",".equals(o.splitRegex())) {
          wrong.add(where(c, o) + " (split \"" + o.splitRegex() + "\", arity " + o.arity() + ")");
        }
      }
    }
    assertThat(wrong).as("list options that do not take FILE,FILE,...").isEmpty();
  }

  @Test
  void anOptionNameMeansTheSameKindOfValueEverywhere() {
    Map<String, String> firstSeen = new HashMap<>();
    Map<String, String> kinds = new HashMap<>();
    List<String> conflicts = new ArrayList<>();
    for (CommandSpec c : allCommands()) {
      for (OptionSpec o : c.options()) {
        String kind = (o.isMultiValue() ? "list of " : "") + (o.arity().max() == 0 ? "flag" : "value");
        String prior = kinds.putIfAbsent(o.longestName(), kind);
        firstSeen.putIfAbsent(o.longestName(), c.qualifiedName());
        if (prior != null && !prior.equals(kind)) {
          conflicts.add(o.longestName() + ": " + prior + " in " + firstSeen.get(o.longestName()) + ", " + kind + " in "
              + c.qualifiedName());
        }
      }
    }
    assertThat(conflicts).isEmpty();
  }

  static Stream<Arguments> outputCommands() {
    String model = TestResources.tinyModel("qwen2-tiny-bytes-chat").toString();
    String sft = TestResources.testdata("train/medical_o1_sample.jsonl").toString();
    String corpus = TestResources.testdata("train/medrag_sample.jsonl").toString();
    return Stream.of(
        Arguments.of("--out", List.of("eval", "--n", "1", "--no-progress", "--out", "FILE")),
        Arguments.of("--out", List.of("train", "sft", "--model", model, "--sft-data", sft, "--out", "FILE")),
        Arguments.of("--out", List.of("train", "cpt", "--model", model, "--corpus", corpus, "--out", "FILE")),
        Arguments.of("--out", List.of("merge", "--model", model, "--adapter", model, "--out", "FILE")),
        Arguments.of("--out", List.of("study", "--out", "FILE")),
        Arguments.of("--out", List.of("compare", model, model, "--out", "FILE")),
        Arguments.of("--index", List.of("index", "--corpus", corpus, "--bm25-only", "--index", "FILE")));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("outputCommands")
  void anOutputFolderThatIsAFileIsANamedError(String option, List<String> args) throws Exception {
    Path file = Files.writeString(tmp.resolve("existing.txt"), "not a folder");
    String[] argv = args.stream().map(a -> a.equals("FILE") ? file.toString() : a).toArray(String[]::new);
    CliResult r = CliResult.run(argv);
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: " + option + " " + file + " is an existing file").doesNotContain("\tat ");
    assertThat(Files.readString(file)).isEqualTo("not a folder");
  }

  @Test
  void aRunFileThatIsAFolderIsANamedError() throws Exception {
    Path corpus = TestResources.testdata("train/medrag_sample.jsonl");
    Path idx = tmp.resolve("idx");
    assertThat(CliResult.run("index", "--corpus", corpus.toString(), "--bm25-only", "--index", idx.toString()).code()).isZero();
    CliResult r = CliResult.run("search", "--index", idx.toString(), "--query", "fever", "--run-out", tmp.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: --run-out " + tmp + " is an existing folder");
  }
}
