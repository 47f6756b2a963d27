package dev.medadapt.eval.testing;

import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.prompt.PromptFormat;
import dev.medadapt.eval.score.AnswerExtractor;
import dev.medadapt.eval.score.Extraction;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small deterministic questions, prompt format, extractor and model script shared by eval tests. */
public final class EvalFixtures {
  private static final Pattern ID = Pattern.compile("\\[id=([^\\]]+)\\]");
  private static final Pattern ANSWER = Pattern.compile("answer is ([A-Z])");

  private EvalFixtures() {}

  /** {@code n} questions alternating between benchmarks "medqa" and "pubmedqa". */
  public static List<Question> questions(int n) {
    List<Question> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String bench = i % 2 == 0 ? "medqa" : "pubmedqa";
      out.add(
          new Question(
              "q" + i, bench, "Question number " + i + "?", List.of("alpha", "beta", "gamma", "delta"),
              Question.letter(i % 4), null));
    }
    return out;
  }

  /** Renders "[id=...] question, options" plus any snippets. */
  public static PromptFormat format() {
    return new PromptFormat() {
      @Override
      public String name() {
        return "test";
      }

      @Override
      public List<ChatMessage> render(Question q, List<String> snippets) {
        StringBuilder sb = new StringBuilder();
        snippets.forEach(s -> sb.append("Context: ").append(s).append('\n'));
        sb.append("[id=").append(q.id()).append("] ").append(q.question()).append('\n');
        for (int i = 0; i < q.options().size(); i++) {
          sb.append(Question.letter(i)).append(". ").append(q.options().get(i)).append('\n');
        }
        return List.of(ChatMessage.system("Answer with a letter."), ChatMessage.user(sb.toString()));
      }
    };
  }

  /** Reads "answer is X"; anything else is UNPARSED. */
  public static AnswerExtractor extractor() {
    return (output, q) -> {
      Matcher m = ANSWER.matcher(output);
      return m.find() ? Extraction.of(m.group(1), "answer-is") : Extraction.unparsed("no 'answer is X'");
    };
  }

  /**
   * The scripted model's behaviour for question {@code qi}: every 5th is unparseable, every 3rd
   * (not 5th) wrong, the rest right. For {@code n} questions the totals are known in closed form.
   */
  public static String scriptedAnswer(String prompt) {
    Matcher m = ID.matcher(prompt);
    if (!m.find()) {
      return "no id in prompt";
    }
    int i = Integer.parseInt(m.group(1).substring(1));
    if (i % 5 == 0) {
      return "I cannot decide.";
    }
    String gold = Question.letter(i % 4);
    String answer = i % 3 == 0 ? Question.letter((i + 1) % 4) : gold;
    return "<think>hmm</think> The answer is " + answer + ".";
  }
}
