package dev.medadapt.rag.pipeline;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.TextTokenizer;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Reranker;
import dev.medadapt.rag.retrieve.Retriever;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retrieval-augmented answering: retrieve (and optionally rerank) snippets, fit whole snippets into
 * a context token budget, render a {@link PromptTemplate}, ask the {@link LanguageModel}, and report
 * which snippets were shown and which ones the answer cites.
 *
 * <pre>{@code
 * RagPipeline rag = RagPipeline.builder()
 *     .retriever(retriever).languageModel(lm)
 *     .template(PromptTemplate.REFERENCE_STUDY).k(3).contextTokenBudget(2048)
 *     .build();
 * RagAnswer a = rag.ask("What is the first-line treatment of type 2 diabetes?");
 * System.out.println(a.answer() + " " + a.citedIds());
 * }</pre>
 *
 * <p>Budget: snippets are taken in rank order; a snippet whose tokens (with its separator) no longer
 * fit is dropped whole (never cut) and later, shorter ones may still fit. Dropped ids are reported in
 * {@link RagAnswer#droppedIds()} and logged. Tokens are counted with the model's tokenizer
 * ({@link LanguageModel#tokenizer()}); for remote models without one, with
 * {@link #approximateTokenCount(String)}. The pipeline is thread-safe when its parts are.
 */
public final class RagPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(RagPipeline.class);
  /** Citations like [2], [1, 3] or [1][2]. */
  private static final Pattern CITATION = Pattern.compile("\\[(\\d{1,4}(?:\\s*,\\s*\\d{1,4})*)\\]");

  private final Retriever retriever;
  private final Reranker reranker;
  private final LanguageModel model;
  private final PromptTemplate template;
  private final int k;
  private final int candidates;
  private final int budget;
  private final GenerationOptions options;
  private final ToIntFunction<String> tokenCounter;

  private RagPipeline(Builder b) {
    this.retriever = b.retriever;
    this.reranker = b.reranker;
    this.model = b.model;
    this.template = b.template;
    this.k = b.k;
    this.candidates = b.candidates > 0 ? b.candidates : Math.max(b.k * 4, 20);
    this.budget = b.contextTokenBudget;
    this.options = b.generationOptions;
    if (b.tokenCounter != null) {
      this.tokenCounter = b.tokenCounter;
    } else {
      TextTokenizer t = model.tokenizer().orElse(null);
      this.tokenCounter = t != null ? t::countTokens : RagPipeline::approximateTokenCount;
      if (t == null && budget > 0) {
        LOG.info("{} has no local tokenizer: context tokens are approximated (1 token per 3 characters)", model.name());
      }
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Pessimistic token estimate for models whose tokenizer is not available locally: one token per 3
   * UTF-16 characters, rounded up. English BPE tokenizers average about 4 characters per token
   * (OpenAI's tokenizer guide), medical terms split into more pieces, so 3 errs on the side of
   * leaving room rather than overflowing the model's context.
   */
  public static int approximateTokenCount(String text) {
    return (text.length() + 2) / 3;
  }

  /** Answers a free-text question. */
  public RagAnswer ask(String question) {
    return ask(question, Map.of(), text -> {});
  }

  /**
   * Answers a question with answer options (key → text, e.g. {@code "A" → "Metformin"}; may be
   * empty), streaming the answer text to {@code onText} as it is generated.
   */
  public RagAnswer ask(String question, Map<String, String> answerOptions, Consumer<String> onText) {
    Ensure.notBlank(question, "question");
    Ensure.notNull(answerOptions, "answerOptions");
    Ensure.notNull(onText, "onText");
    List<Hit> hits;
    if (reranker != null) {
      hits = reranker.rerank(question, retriever.retrieve(question, candidates), k);
    } else {
      hits = retriever.retrieve(question, k);
    }
    if (hits.size() > k) {
      hits = hits.subList(0, k);
    }
    List<Hit> kept = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    int used = 0;
    String sep = template.snippetSeparator();
    for (Hit h : hits) {
      if (budget == 0) {
        kept.add(h);
        continue;
      }
      // numbered as it would appear if kept
      String text = (kept.isEmpty() ? "" : sep) + template.formatSnippet(kept.size(), h);
      int tokens = tokenCounter.applyAsInt(text);
      if (used + tokens <= budget) {
        kept.add(h);
        used += tokens;
      } else {
        dropped.add(h.id());
      }
    }
    int contextTokens = tokenCounter.applyAsInt(template.context(kept));
    // Sub-word merges at snippet boundaries make the sum only an estimate of the whole: verify.
    while (budget > 0 && contextTokens > budget && !kept.isEmpty()) {
      dropped.add(kept.remove(kept.size() - 1).id());
      contextTokens = tokenCounter.applyAsInt(template.context(kept));
    }
    if (!dropped.isEmpty()) {
      LOG.info("context budget of {} tokens: dropped {} of {} snippets ({})", budget, dropped.size(), hits.size(), dropped);
    }
    List<ChatMessage> messages = template.render(question, answerOptions, kept);
    Generation g = model.chat(messages, options, onText);
    return new RagAnswer(g.text(), kept, cited(g.text(), kept), dropped, contextTokens, messages, g);
  }

  private List<String> cited(String answer, List<Hit> shown) {
    Set<String> ids = new LinkedHashSet<>();
    Matcher m = CITATION.matcher(answer);
    while (m.find()) {
      for (String num : m.group(1).split(",")) {
        int i = Integer.parseInt(num.trim()) - template.firstNumber();
        if (i >= 0 && i < shown.size()) {
          ids.add(shown.get(i).id());
        }
      }
    }
    return new ArrayList<>(ids);
  }

  /** Configuration; required: retriever and language model. Checked at {@link #build()}. */
  public static final class Builder {
    private Retriever retriever;
    private Reranker reranker;
    private LanguageModel model;
    private PromptTemplate template = PromptTemplate.REFERENCE_STUDY;
    // The reference study prompted with the top 3 snippets.
    private int k = 3;
    private int candidates = 0;
    private int contextTokenBudget = 0;
    private GenerationOptions generationOptions = GenerationOptions.greedy(512);
    private ToIntFunction<String> tokenCounter;

    private Builder() {}

    public Builder retriever(Retriever retriever) {
      this.retriever = retriever;
      return this;
    }

    /** Optional: reorders {@link #candidates(int)} retrieved hits and keeps the best {@code k}. */
    public Builder reranker(Reranker reranker) {
      this.reranker = reranker;
      return this;
    }

    public Builder languageModel(LanguageModel model) {
      this.model = model;
      return this;
    }

    /** Default {@link PromptTemplate#REFERENCE_STUDY}. */
    public Builder template(PromptTemplate template) {
      this.template = template;
      return this;
    }

    /** Snippets in the prompt, in [1, 1000]. Default 3 (the reference study's top-3). */
    public Builder k(int k) {
      this.k = k;
      return this;
    }

    /** Hits retrieved for the reranker, in [k, 10000]; default max(4k, 20). Unused without a reranker. */
    public Builder candidates(int candidates) {
      this.candidates = candidates;
      return this;
    }

    /** Max tokens of the context block, in [0, 10_000_000]; 0 (default) means no limit. */
    public Builder contextTokenBudget(int tokens) {
      this.contextTokenBudget = tokens;
      return this;
    }

    /** Decoding options; default greedy, 512 new tokens. */
    public Builder generationOptions(GenerationOptions options) {
      this.generationOptions = options;
      return this;
    }

    /** Overrides how context tokens are counted (default: the model's tokenizer, else approximate). */
    public Builder tokenCounter(ToIntFunction<String> tokenCounter) {
      this.tokenCounter = tokenCounter;
      return this;
    }

    public RagPipeline build() {
      Ensure.notNull(retriever, "retriever");
      Ensure.notNull(model, "languageModel");
      Ensure.notNull(template, "template");
      Ensure.notNull(generationOptions, "generationOptions");
      Ensure.between(k, 1, 1000, "k");
      Ensure.between(contextTokenBudget, 0, 10_000_000, "contextTokenBudget");
      if (candidates != 0) {
        Ensure.between(candidates, k, 10_000, "candidates");
        if (reranker == null) {
          throw new ConfigurationException("candidates is only used with a reranker; set reranker or leave candidates unset");
        }
      }
      return new RagPipeline(this);
    }
  }
}
