package dev.medadapt.eval.score;

/**
 * The answer read from a model's output: a letter, or UNPARSED with the reason. An unparsed answer
 * is counted wrong and reported on its own; it is never replaced by a default letter.
 *
 * @param letter the chosen option letter, or null when unparsed
 * @param rule which rule found it ({@code answer-is}, {@code json}, {@code final-line}, ...) or why
 *     nothing was found
 */
public record Extraction(String letter, String rule) {

  public static Extraction of(String letter, String rule) {
    return new Extraction(letter, rule);
  }

  public static Extraction unparsed(String reason) {
    return new Extraction(null, reason);
  }

  public boolean parsed() {
    return letter != null;
  }
}
