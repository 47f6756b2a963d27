package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command class in this package is reachable from the top-level {@code medadapt} command. */
class MedAdaptCliTest {

  @Test
  void everyCommandClassIsRegistered() throws Exception {
    Path dir = Path.of(MedAdaptCli.class.getResource("MedAdaptCli.class").toURI()).getParent();
    List<String> commandClasses;
    try (Stream<Path> files = Files.list(dir)) {
      commandClasses = files.map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith("Command.class") && !n.contains("$"))
          .map(n -> n.substring(0, n.length() - ".class".length()))
          .sorted()
          .toList();
    }
    CommandLine cl = MedAdaptCli.commandLine();
    List<String> registered = cl.getSubcommands().values().stream()
        .map(c -> c.getCommand().getClass().getSimpleName())
        .filter(n -> !n.equals("HelpCommand"))
        .sorted()
        .toList();
    assertThat(commandClasses).as("command classes in " + dir).isNotEmpty();
    assertThat(registered).containsExactlyElementsOf(commandClasses);
  }
}
