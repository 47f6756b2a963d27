package dev.medadapt.eval.bench;

import dev.medadapt.core.ConfigurationException;
import java.util.List;

/**
 * One multiple-choice benchmark item, whatever file it came from.
 *
 * @param id identifier unique within the benchmark (the source's own id where it has one)
 * @param benchmark benchmark name ({@code medqa}, {@code medmcqa}, {@code mmlu}, {@code pubmedqa}, ...)
 * @param question question text
 * @param options option texts; option i has letter {@code 'A' + i}
 * @param answer the correct letter
 * @param context supporting text given with the question (PubMedQA abstract), or null
 */
public record Question(
    String id, String benchmark, String question, List<String> options, String answer, String context) {

  public Question {
    options = List.copyOf(options);
    if (options.isEmpty() || options.size() > 26) {
      throw new ConfigurationException("question " + id + " must have 1..26 options, has " + options.size());
    }
    int idx = answer == null || answer.length() != 1 ? -1 : answer.charAt(0) - 'A';
    if (idx < 0 || idx >= options.size()) {
      throw new ConfigurationException(
          "question " + id + ": answer must be a letter in A.." + letter(options.size() - 1) + ", was " + answer);
    }
  }

  /** Letter of option {@code index}. */
  public static String letter(int index) {
    return String.valueOf((char) ('A' + index));
  }

  /** Letters of all options, in order. */
  public List<String> letters() {
    return java.util.stream.IntStream.range(0, options.size()).mapToObj(Question::letter).toList();
  }

  /** Index of the correct option. */
  public int answerIndex() {
    return answer.charAt(0) - 'A';
  }
}
