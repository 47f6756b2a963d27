package dev.medadapt.eval.prompt;

import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.eval.bench.Question;
import java.util.ArrayList;
import java.util.List;

/**
 * MedRAG's JSON chain-of-thought prompt (Xiong et al. 2024; {@code MedRAG/src/template.py}, commit
 * 7599a728): a system message asking for {@code {"step_by_step_thinking": ..., "answer_choice": ...}}
 * and a user message. Without snippets it is {@code general_cot_system} / {@code general_cot}; with
 * snippets {@code general_medrag_system} / {@code general_medrag}, the documents rendered as MedRAG's
 * {@code medrag_answer} does: {@code "Document [i] " + snippet} with {@code i} from 0, joined by
 * {@code \n}. MedRAG formats each snippet as {@code "(Title: <title>) <content>"}; {@link #snippet}
 * builds that string. MedRAG truncates the joined documents to the model's context budget in tokens;
 * callers do that before rendering. A question context (PubMedQA abstract), which MedRAG never
 * passes, is put before the question text, separated by a blank line.
 *
 * <p>The user message keeps the template's leading and trailing newline, as the liquid template
 * renders them.
 */
public final class MedRagPromptFormat implements PromptFormat {
  /** {@code general_cot_system}, verbatim. */
  public static final String COT_SYSTEM =
      "You are a helpful medical expert, and your task is to answer a multi-choice medical question. Please first"
          + " think step-by-step and then choose the answer from the provided options. Organize your output in a"
          + " json formatted as Dict{\"step_by_step_thinking\": Str(explanation), \"answer_choice\":"
          + " Str{A/B/C/...}}. Your responses will be used for research purposes only, so please have a definite"
          + " answer.";

  /** {@code general_medrag_system}, verbatim. */
  public static final String MEDRAG_SYSTEM =
      "You are a helpful medical expert, and your task is to answer a multi-choice medical question using the"
          + " relevant documents. Please first think step-by-step and then choose the answer from the provided"
          + " options. Organize your output in a json formatted as Dict{\"step_by_step_thinking\":"
          + " Str(explanation), \"answer_choice\": Str{A/B/C/...}}. Your responses will be used for research"
          + " purposes only, so please have a definite answer.";

  @Override
  public String name() {
    return "medrag";
  }

  /** A snippet as MedRAG writes it: {@code "(Title: <title>) <content>"}. */
  public static String snippet(String title, String content) {
    return "(Title: " + (title == null ? "" : title) + ") " + (content == null ? "" : content);
  }

  @Override
  public List<ChatMessage> render(Question question, List<String> snippets) {
    String q = question.context() == null ? question.question() : question.context() + "\n\n" + question.question();
    String options = Prompts.optionLines(question);
    String tail =
        "Here is the question:\n" + q + "\n\nHere are the potential choices:\n" + options
            + "\n\nPlease think step-by-step and generate your output in json:\n";
    if (snippets.isEmpty()) {
      return List.of(ChatMessage.system(COT_SYSTEM), ChatMessage.user("\n" + tail));
    }
    List<String> docs = new ArrayList<>();
    for (int i = 0; i < snippets.size(); i++) {
      docs.add("Document [" + i + "] " + snippets.get(i));
    }
    String context = String.join("\n", docs);
    return List.of(
        ChatMessage.system(MEDRAG_SYSTEM),
        ChatMessage.user("\nHere are the relevant documents:\n" + context + "\n\n" + tail));
  }
}
