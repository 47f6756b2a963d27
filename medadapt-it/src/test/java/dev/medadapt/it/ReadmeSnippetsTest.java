package dev.medadapt.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's Java code is the consumer programs under {@code src/it}, letter for letter: those programs are compiled
 * against the installed artifacts and run by the invoker, so the README cannot show code that does not compile or run.
 */
class ReadmeSnippetsTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern CLASS = Pattern.compile("^public class (\\w+)", Pattern.MULTILINE);

  @Test
  void everyReadmeJavaBlockIsAConsumerProgram() throws IOException {
    List<String> blocks = javaBlocks(ROOT.resolve("README.md"));
    Map<String, Path> programs = consumerPrograms();
    assertThat(blocks).as("```java blocks in README.md").isNotEmpty();
    List<String> shown = new ArrayList<>();
    for (String block : blocks) {
      Matcher m = CLASS.matcher(block);
      assertThat(m.find()).as("README block has a public class:%n%s", block).isTrue();
      String name = m.group(1);
      assertThat(programs).as("a consumer program %s.java under medadapt-it/src/it", name).containsKey(name);
      assertThat(block).as("README block %s equals %s", name, ROOT.relativize(programs.get(name)))
          .isEqualTo(Files.readString(programs.get(name), StandardCharsets.UTF_8));
      shown.add(name);
    }
    // And every consumer program is shown, so the README names all that the build proves.
    assertThat(shown).containsExactlyInAnyOrderElementsOf(programs.keySet());
  }

  @Test
  void readmeMavenFragmentImportsTheBomAndNamesEveryConsumerDependency() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    assertThat(readme).contains("<artifactId>medadapt-bom</artifactId>").contains("<scope>import</scope>");
    for (String artifact : List.of("medadapt-core", "medadapt-rag", "medadapt-train", "medadapt-eval")) {
      assertThat(readme).contains("<artifactId>" + artifact + "</artifactId>");
    }
  }

  static List<String> javaBlocks(Path markdown) throws IOException {
    Matcher m = JAVA_BLOCK.matcher(Files.readString(markdown, StandardCharsets.UTF_8));
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  static Map<String, Path> consumerPrograms() throws IOException {
    Map<String, Path> out = new LinkedHashMap<>();
    try (Stream<Path> s = Files.walk(ROOT.resolve("medadapt-it/src/it"))) {
      s.filter(p -> p.toString().contains("/src/main/java/") && p.toString().endsWith(".java"))
          .sorted()
          .forEach(p -> out.put(p.getFileName().toString().replace(".java", ""), p));
    }
    return out;
  }
}
