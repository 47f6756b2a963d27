package dev.medadapt.core.llm;

/**
 * A DeepSeek-R1-style answer split into its reasoning ({@code <think>...</think>}) and the final
 * answer. R1's chat template may already end the prompt with {@code <think>\n}, so the output often
 * has only the closing tag; both forms are handled.
 *
 * <pre>{@code
 * Reasoning r = Reasoning.split(generation.text());
 * String answer = r.answer();
 * }</pre>
 *
 * @param reasoning text inside the think block, trimmed ("" when there is none)
 * @param answer text after {@code </think>}, trimmed; when the block never closed (generation
 *     stopped mid-thought) it is "" and {@code complete} is false
 * @param complete false when an opened think block was not closed
 */
public record Reasoning(String reasoning, String answer, boolean complete) {
  public static final String OPEN = "<think>";
  public static final String CLOSE = "</think>";

  /** Splits {@code text}; text without think tags is all answer. */
  public static Reasoning split(String text) {
    int close = text.indexOf(CLOSE);
    if (close >= 0) {
      String before = text.substring(0, close);
      int open = before.indexOf(OPEN);
      String reasoning = open >= 0 ? before.substring(open + OPEN.length()) : before;
      return new Reasoning(reasoning.strip(), text.substring(close + CLOSE.length()).strip(), true);
    }
    int open = text.indexOf(OPEN);
    if (open >= 0) {
      return new Reasoning(text.substring(open + OPEN.length()).strip(), "", false);
    }
    return new Reasoning("", text.strip(), true);
  }
}
