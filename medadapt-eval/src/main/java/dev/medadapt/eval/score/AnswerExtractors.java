package dev.medadapt.eval.score;

import dev.medadapt.core.ConfigurationException;
import java.util.List;

/** Answer extractors by name: {@code reasoning} ({@link ReasoningExtractor}, the default) and {@code mirage} ({@link MirageExtractor}, compatibility only). */
public final class AnswerExtractors {
  private AnswerExtractors() {}

  public static List<String> names() {
    return List.of("reasoning", "mirage");
  }

  public static AnswerExtractor forName(String name) {
    if ("reasoning".equals(name)) {
      return new ReasoningExtractor();
    }
    if ("mirage".equals(name)) {
      return new MirageExtractor();
    }
    throw new ConfigurationException("unknown answer extractor \"" + name + "\", expected one of " + names());
  }
}
