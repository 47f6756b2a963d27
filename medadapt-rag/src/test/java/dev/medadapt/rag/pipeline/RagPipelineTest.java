package dev.medadapt.rag.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.testing.ScriptedLanguageModel;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Reranker;
import dev.medadapt.rag.retrieve.Retriever;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RagPipelineTest {
  private static final Hit H1 = new Hit("d1", "Diabetes -- Treatment", "Metformin is the first-line drug.", 3.0);
  private static final Hit H2 = new Hit("d2", "Diabetes -- Lifestyle", "Diet and exercise help.", 2.0);
  private static final Hit H3 = new Hit("d3", "Cats", "A cat sat on the mat.", 1.0);

  /** Returns its hits (at most k) and records the k asked for. */
  static final class FixedRetriever implements Retriever {
    final List<Hit> hits;
    final List<Integer> asked = new ArrayList<>();

    FixedRetriever(Hit... hits) {
      this.hits = List.of(hits);
    }

    @Override
    public List<Hit> retrieve(String query, int k) {
      asked.add(k);
      return hits.subList(0, Math.min(k, hits.size()));
    }
  }

  @Test
  void referenceStudyTemplateMessagesAndCitations() {
    ScriptedLanguageModel lm = ScriptedLanguageModel.builder().chatOnly().answers("Metformin [2], with diet [1][7] and again [2, 1].").build();
    RagPipeline rag = RagPipeline.builder().retriever(new FixedRetriever(H1, H2, H3)).languageModel(lm).k(2).build();
    List<String> streamed = new ArrayList<>();
    RagAnswer a = rag.ask("What treats type 2 diabetes?", Map.of(), streamed::add);

    assertThat(a.answer()).isEqualTo("Metformin [2], with diet [1][7] and again [2, 1].");
    assertThat(String.join("", streamed)).isEqualTo(a.answer());
    assertThat(a.snippetIds()).containsExactly("d1", "d2");
    // [7] is not a snippet of the prompt; order of first citation
    assertThat(a.citedIds()).containsExactly("d2", "d1");
    assertThat(a.droppedIds()).isEmpty();
    assertThat(a.messages()).isEqualTo(lm.chats().get(0));
    assertThat(a.messages()).hasSize(2);
    assertThat(a.messages().get(0).role()).isEqualTo(ChatMessage.Role.SYSTEM);
    assertThat(a.messages().get(1))
        .isEqualTo(
            ChatMessage.user(
                "Based on the following retrieved documents, answer the question.\n\n"
                    + "[1] Diabetes -- Treatment\nMetformin is the first-line drug.\n\n"
                    + "[2] Diabetes -- Lifestyle\nDiet and exercise help.\n\n"
                    + "Question: What treats type 2 diabetes?\nAnswer:"));
  }

  @Test
  void medragTemplateIsMedRagsFormatWithZeroBasedDocuments() {
    ScriptedLanguageModel lm =
        ScriptedLanguageModel.builder().chatOnly().answers("{\"step_by_step_thinking\": \"Document [0] says so\", \"answer_choice\": \"B\"}").build();
    RagPipeline rag =
        RagPipeline.builder().retriever(new FixedRetriever(H1, H2)).languageModel(lm).template(PromptTemplate.MEDRAG).k(2).build();
    RagAnswer a = rag.ask("First-line drug for type 2 diabetes?", Map.of("B", "Metformin", "A", "Insulin"), t -> {});
    assertThat(a.messages().get(0).content()).startsWith("You are a helpful medical expert").contains("\"answer_choice\"");
    assertThat(a.messages().get(1).content())
        .isEqualTo(
            "\nHere are the relevant documents:\n"
                + "Document [0] (Title: Diabetes -- Treatment) Metformin is the first-line drug.\n"
                + "Document [1] (Title: Diabetes -- Lifestyle) Diet and exercise help.\n\n"
                + "Here is the question:\nFirst-line drug for type 2 diabetes?\n\n"
                + "Here are the potential choices:\nA. Insulin\nB. Metformin\n\n"
                + "Please think step-by-step and generate your output in json:\n");
    assertThat(a.citedIds()).containsExactly("d1");
  }

  @Test
  void budgetDropsWholeSnippetsCountedWithTheModelTokenizer() {
    Hit longHit = new Hit("long", "Long", "word ".repeat(50).strip(), 2.5);
    // word tokens: "[1] Diabetes -- Treatment\nMetformin is the first-line drug." = 9;
    // "\n\n[2] Long\nword x50" = 52 (dropped); "\n\n[2] Cats\nA cat sat on the mat." = 8
    ScriptedLanguageModel lm = ScriptedLanguageModel.builder().chatOnly().tokenizer(ScriptedLanguageModel.wordTokenizer()).answers("ok [2]").build();
    RagPipeline rag =
        RagPipeline.builder()
            .retriever(new FixedRetriever(H1, longHit, H3))
            .languageModel(lm)
            .k(3)
            .contextTokenBudget(20)
            .build();
    RagAnswer a = rag.ask("q?");
    assertThat(a.snippetIds()).containsExactly("d1", "d3");
    assertThat(a.droppedIds()).containsExactly("long");
    assertThat(a.droppedCount()).isEqualTo(1);
    assertThat(a.contextTokens()).isEqualTo(17).isLessThanOrEqualTo(20);
    assertThat(a.citedIds()).containsExactly("d3");
    String user = a.messages().get(a.messages().size() - 1).content();
    assertThat(user).doesNotContain("word").contains("[2] Cats\nA cat sat on the mat.");
  }

  @Test
  void budgetWithoutTokenizerUsesTheApproximateCounter() {
    assertThat(RagPipeline.approximateTokenCount("")).isZero();
    assertThat(RagPipeline.approximateTokenCount("abc")).isEqualTo(1);
    assertThat(RagPipeline.approximateTokenCount("abcd")).isEqualTo(2);
    String firstSnippet = PromptTemplate.REFERENCE_STUDY.formatSnippet(0, H1);
    int first = RagPipeline.approximateTokenCount(firstSnippet);
    ScriptedLanguageModel lm = ScriptedLanguageModel.builder().chatOnly().answers("x").build();
    RagAnswer a =
        RagPipeline.builder()
            .retriever(new FixedRetriever(H1, H2))
            .languageModel(lm)
            .contextTokenBudget(first) // exactly the first snippet
            .build()
            .ask("q?");
    assertThat(a.snippetIds()).containsExactly("d1");
    assertThat(a.droppedIds()).containsExactly("d2");
    assertThat(a.contextTokens()).isEqualTo(first);
  }

  @Test
  void rerankerReordersCandidates() {
    FixedRetriever retriever = new FixedRetriever(H1, H2, H3);
    List<String> seen = new ArrayList<>();
    Reranker reverse =
        new Reranker() {
          @Override
          public List<Hit> rerank(String query, List<Hit> hits, int k) {
            hits.forEach(h -> seen.add(h.id()));
            List<Hit> r = new ArrayList<>(hits);
            Collections.reverse(r);
            return r.subList(0, Math.min(k, r.size()));
          }

          @Override
          public void close() {}
        };
    ScriptedLanguageModel lm = ScriptedLanguageModel.builder().chatOnly().answers("x").build();
    RagAnswer a = RagPipeline.builder().retriever(retriever).reranker(reverse).languageModel(lm).k(2).build().ask("q?");
    assertThat(retriever.asked).containsExactly(20); // max(4k, 20) candidates
    assertThat(seen).containsExactly("d1", "d2", "d3");
    assertThat(a.snippetIds()).containsExactly("d3", "d2");
  }

  @Test
  void customTemplatesSubstituteOnceAndAreValidated() {
    ScriptedLanguageModel lm = ScriptedLanguageModel.builder().chatOnly().answers("x").build();
    PromptTemplate t = PromptTemplate.custom("Context:\n{context}\nQ: {question}");
    RagAnswer a = RagPipeline.builder().retriever(new FixedRetriever(H3)).languageModel(lm).template(t).build().ask("why {context}?");
    assertThat(a.messages()).containsExactly(ChatMessage.user("Context:\n[1] Cats\nA cat sat on the mat.\nQ: why {context}?"));

    assertThatThrownBy(() -> PromptTemplate.custom("no placeholders"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("prompt template 'custom': the user message must contain {question} and {context}");
    RagPipeline rag = RagPipeline.builder().retriever(new FixedRetriever(H3)).languageModel(lm).template(t).build();
    assertThatThrownBy(() -> rag.ask("q", Map.of("A", "x"), s -> {}))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("no {options} placeholder");
  }

  @Test
  void builderValidates() {
    ScriptedLanguageModel lm = ScriptedLanguageModel.builder().chatOnly().answers().build();
    assertThatThrownBy(() -> RagPipeline.builder().languageModel(lm).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("retriever must be set");
    assertThatThrownBy(() -> RagPipeline.builder().retriever(new FixedRetriever()).languageModel(lm).k(0).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("k must be in [1, 1000], was 0");
    assertThatThrownBy(
            () -> RagPipeline.builder().retriever(new FixedRetriever()).languageModel(lm).contextTokenBudget(-1).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("contextTokenBudget must be in [0, 10000000], was -1");
    assertThatThrownBy(() -> RagPipeline.builder().retriever(new FixedRetriever()).languageModel(lm).candidates(10).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("only used with a reranker");
  }
}
