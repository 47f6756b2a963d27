package dev.medadapt.rag.pipeline;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.rag.retrieve.Hit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the question and the retrieved snippets become chat messages. Placeholders in {@code system}
 * and {@code user}: {@code {question}}, {@code {context}} (the numbered snippets) and
 * {@code {options}} (answer options as {@code "A. ...\nB. ..."}, sorted by key; empty when there are
 * none). Each snippet is rendered with {@code snippetFormat}, whose placeholders are {@code {n}}
 * (its number, starting at {@code firstNumber}), {@code {title}}, {@code {content}} and {@code {id}};
 * snippets are joined with {@code snippetSeparator}. Substitution is a single pass, so text inside a
 * question or a snippet is never itself expanded.
 *
 * <pre>{@code
 * PromptTemplate t = PromptTemplate.custom("Context:\n{context}\n\nQ: {question}\nA:");
 * }</pre>
 *
 * @param name for reports and errors
 * @param system system message, or null for none
 * @param user user message; must contain {@code {question}} and {@code {context}}
 * @param snippetFormat one snippet
 * @param snippetSeparator between snippets
 * @param firstNumber number of the first snippet (and of citations {@code [n]} in the answer)
 */
public record PromptTemplate(
    String name, String system, String user, String snippetFormat, String snippetSeparator, int firstNumber) {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{(question|context|options|n|title|content|id)\\}");

  public PromptTemplate {
    Ensure.notBlank(name, "name");
    Ensure.notNull(user, "user");
    Ensure.notNull(snippetFormat, "snippetFormat");
    Ensure.notNull(snippetSeparator, "snippetSeparator");
    Ensure.between(firstNumber, 0, 1, "firstNumber");
    if (!user.contains("{question}") || !user.contains("{context}")) {
      throw new ConfigurationException(
          "prompt template '" + name + "': the user message must contain {question} and {context}");
    }
    if (!snippetFormat.contains("{content}")) {
      throw new ConfigurationException("prompt template '" + name + "': snippetFormat must contain {content}");
    }
  }

  /**
   * The reference study's template (the Chroma + multi-qa-MiniLM-L6-cos-v1 top-3 setup): the user
   * turn opens with "Based on the following retrieved documents" and lists the snippets numbered
   * from 1. The study reports only that opening; the rest of the wording (the instruction to cite
   * documents as [n], the "Question:"/"Answer:" frame and the system turn) is MedAdapt's.
   */
  public static final PromptTemplate REFERENCE_STUDY =
      new PromptTemplate(
          "reference-study",
          "You are a careful medical assistant. Answer using only the retrieved documents. "
              + "Cite the documents you use by their number in square brackets, like [1]. "
              + "If the documents do not contain the answer, say so.",
          "Based on the following retrieved documents, answer the question.\n\n"
              + "{context}\n\n"
              + "Question: {question}\n"
              + "Answer:",
          "[{n}] {title}\n{content}",
          "\n\n",
          1);

  /**
   * MedRAG's chain-of-thought template with retrieved documents ({@code general_medrag_system} and
   * {@code general_medrag} in Teddy-XiongGZ/MedRAG src/template.py; snippets formatted as in
   * src/medrag.py: {@code "Document [{idx}] (Title: {title}) {content}"}, numbered from 0, joined
   * with newlines). The model answers in JSON: {@code {"step_by_step_thinking": ..., "answer_choice": ...}}.
   */
  public static final PromptTemplate MEDRAG =
      new PromptTemplate(
          "medrag",
          "You are a helpful medical expert, and your task is to answer a multi-choice medical question "
              + "using the relevant documents. Please first think step-by-step and then choose the answer from "
              + "the provided options. Organize your output in a json formatted as "
              + "Dict{\"step_by_step_thinking\": Str(explanation), \"answer_choice\": Str{A/B/C/...}}. "
              + "Your responses will be used for research purposes only, so please have a definite answer.",
          "\nHere are the relevant documents:\n{context}\n\n"
              + "Here is the question:\n{question}\n\n"
              + "Here are the potential choices:\n{options}\n\n"
              + "Please think step-by-step and generate your output in json:\n",
          "Document [{n}] (Title: {title}) {content}",
          "\n",
          0);

  /** A template with only a user message; snippets as {@code [n] title\ncontent}, numbered from 1. */
  public static PromptTemplate custom(String user) {
    return new PromptTemplate("custom", null, user, "[{n}] {title}\n{content}", "\n\n", 1);
  }

  /** A template with a system and a user message; snippets as {@code [n] title\ncontent}, numbered from 1. */
  public static PromptTemplate custom(String system, String user) {
    return new PromptTemplate("custom", system, user, "[{n}] {title}\n{content}", "\n\n", 1);
  }

  /** Whether the template shows answer options. */
  public boolean acceptsOptions() {
    return user.contains("{options}") || (system != null && system.contains("{options}"));
  }

  /** One snippet as it appears in the context, numbered {@code position + firstNumber}. */
  public String formatSnippet(int position, Hit hit) {
    return substitute(
        snippetFormat,
        Map.of(
            "n", Integer.toString(position + firstNumber),
            "title", hit.title() == null ? "" : hit.title(),
            "content", hit.content() == null ? "" : hit.content(),
            "id", hit.id()));
  }

  /** The context block of these snippets, in order. */
  public String context(List<Hit> snippets) {
    List<String> parts = new ArrayList<>(snippets.size());
    for (int i = 0; i < snippets.size(); i++) {
      parts.add(formatSnippet(i, snippets.get(i)));
    }
    return String.join(snippetSeparator, parts);
  }

  /** The messages for a question, its options (may be empty) and the snippets in the prompt. */
  public List<ChatMessage> render(String question, Map<String, String> options, List<Hit> snippets) {
    Ensure.notNull(question, "question");
    Ensure.notNull(options, "options");
    if (!options.isEmpty() && !acceptsOptions()) {
      throw new ConfigurationException(
          "prompt template '" + name + "' has no {options} placeholder but " + options.size() + " options were given");
    }
    StringBuilder opts = new StringBuilder();
    // MedRAG: '\n'.join([key + ". " + options[key] for key in sorted(options.keys())])
    for (Map.Entry<String, String> e : new TreeMap<>(options).entrySet()) {
      if (opts.length() > 0) {
        opts.append('\n');
      }
      opts.append(e.getKey()).append(". ").append(e.getValue());
    }
    Map<String, String> values =
        Map.of("question", question, "context", context(snippets), "options", opts.toString());
    List<ChatMessage> messages = new ArrayList<>(2);
    if (system != null) {
      messages.add(ChatMessage.system(substitute(system, values)));
    }
    messages.add(ChatMessage.user(substitute(user, values)));
    return messages;
  }

  private static String substitute(String template, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder(template.length() + 256);
    while (m.find()) {
      String v = values.get(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(v != null ? v : m.group()));
    }
    m.appendTail(out);
    return out.toString();
  }
}
