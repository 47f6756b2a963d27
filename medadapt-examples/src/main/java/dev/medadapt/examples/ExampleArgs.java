package dev.medadapt.examples;

import dev.medadapt.core.ConfigurationException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The examples' few command-line options, as {@code --name value} pairs (every option is optional: without any, an
 * example runs on the embedded default). Unknown names and missing values are refused with the accepted names, so a
 * typo never silently runs the demo instead of your model.
 */
final class ExampleArgs {
  private final Map<String, String> values = new LinkedHashMap<>();

  private ExampleArgs(String[] args, List<String> accepted) {
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (!accepted.contains(name)) {
        throw new ConfigurationException("unknown option \"" + name + "\"; accepted: " + String.join(" ", accepted));
      }
      if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
        throw new ConfigurationException("option " + name + " needs a value");
      }
      values.put(name, args[++i]);
    }
  }

  /** Parses {@code args}; {@code --out} is always accepted besides {@code names}. */
  static ExampleArgs parse(String[] args, String... names) {
    List<String> accepted = new java.util.ArrayList<>(List.of("--out"));
    accepted.addAll(Arrays.asList(names));
    return new ExampleArgs(args, accepted);
  }

  /** {@code --out}, or {@code target/medadapt-examples/<example>} (relative to the working directory). */
  Path out(String example) {
    return path("--out").orElse(Path.of("target", "medadapt-examples", example));
  }

  Optional<Path> path(String name) {
    return Optional.ofNullable(values.get(name)).map(Path::of);
  }

  /** A comma-separated list of paths. */
  Optional<List<Path>> paths(String name) {
    return Optional.ofNullable(values.get(name))
        .map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Path::of).toList());
  }

  String string(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  int integer(String name, int defaultValue) {
    String v = values.get(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigurationException("option " + name + " must be an integer, was \"" + v + "\"");
    }
  }

  /** Writes {@code value} as indented JSON, atomically (what the examples save beside their output). */
  static void writeJson(Path file, Object value) {
    dev.medadapt.core.io.AtomicFiles.writeJson(file, new com.fasterxml.jackson.databind.ObjectMapper()
        .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT), value);
  }
}
