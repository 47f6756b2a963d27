package dev.medadapt.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.request.EmbeddingInput;
import dev.langchain4j.model.embedding.request.EmbeddingInputType;
import dev.langchain4j.model.embedding.request.EmbeddingRequest;
import dev.langchain4j.model.embedding.request.EmbeddingRequestParameters;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.ContentMetadata;
import dev.langchain4j.rag.query.Query;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.EmbedderInfo;
import dev.medadapt.rag.embed.HashingEmbedder;
import dev.medadapt.rag.pipeline.PromptTemplate;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Retriever;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddingAndContentTest {

  /** Queries and passages embed differently (like e5's "query: " / "passage: " prefixes). */
  static final class PrefixingEmbedder implements Embedder {
    final HashingEmbedder inner = new HashingEmbedder(32);
    final List<String> seen = new ArrayList<>();

    @Override
    public EmbedderInfo info() {
      return new EmbedderInfo("prefixing", 32, true, "none");
    }

    @Override
    public List<float[]> embedPassages(List<String> passages) {
      List<float[]> out = new ArrayList<>();
      for (String p : passages) {
        seen.add("passage: " + p);
        out.add(inner.embedQuery("passage " + p));
      }
      return out;
    }

    @Override
    public float[] embedQuery(String query) {
      seen.add("query: " + query);
      return inner.embedQuery("query " + query);
    }

    @Override
    public void close() {}
  }

  @Test
  void embeddingModelRoutesQueriesAndPassages() {
    PrefixingEmbedder e = new PrefixingEmbedder();
    MedAdaptEmbeddingModel model = new MedAdaptEmbeddingModel(e);
    assertThat(model.dimension()).isEqualTo(32);
    assertThat(model.modelName()).isEqualTo("prefixing");

    List<Embedding> passages = model.embedAll(List.of(TextSegment.from("heart failure"), TextSegment.from("asthma"))).content();
    assertThat(passages).hasSize(2);
    assertThat(passages.get(0).vector()).containsExactly(e.inner.embedQuery("passage heart failure"));

    Embedding q = model.embed(EmbeddingRequest.builder()
            .inputs(List.of(EmbeddingInput.from("heart failure")))
            .parameters(EmbeddingRequestParameters.builder().inputType(EmbeddingInputType.QUERY).build())
            .build())
        .embeddings().get(0);
    assertThat(q.vector()).containsExactly(e.inner.embedQuery("query heart failure"));
    assertThat(q.vector()).isNotEqualTo(passages.get(0).vector());
    assertThat(e.seen).containsExactly("passage: heart failure", "passage: asthma", "query: heart failure");
  }

  static final class Fixed implements Retriever {
    final List<Integer> asked = new ArrayList<>();

    @Override
    public List<Hit> retrieve(String query, int k) {
      asked.add(k);
      List<Hit> all = List.of(new Hit("d1", "Diabetes", "Metformin first.", 7.5), new Hit("d2", "", "Diet.", 3.25),
          new Hit("d3", "Cats", "Mat.", 1.0));
      return all.subList(0, Math.min(k, all.size()));
    }
  }

  @Test
  void contentRetrieverCarriesIdTitleAndScoreAndRoundTrips() {
    Fixed fixed = new Fixed();
    MedAdaptContentRetriever r = MedAdaptContentRetriever.builder().retriever(fixed).maxResults(2).build();
    List<Content> contents = r.retrieve(Query.from("diabetes drug"));
    assertThat(fixed.asked).containsExactly(2);
    assertThat(contents).hasSize(2);
    Content c = contents.get(0);
    assertThat(c.textSegment().text()).isEqualTo("Metformin first.");
    assertThat(c.textSegment().metadata().getString(MedAdaptContentRetriever.ID)).isEqualTo("d1");
    assertThat(c.textSegment().metadata().getString(MedAdaptContentRetriever.TITLE)).isEqualTo("Diabetes");
    assertThat(c.textSegment().metadata().getDouble(MedAdaptContentRetriever.SCORE)).isEqualTo(7.5);
    assertThat(c.metadata()).containsEntry(ContentMetadata.SCORE, 7.5);
    assertThat(MedAdaptContentRetriever.toHit(contents.get(1))).isEqualTo(new Hit("d2", "", "Diet.", 3.25));

    assertThatThrownBy(() -> MedAdaptContentRetriever.toHit(Content.from("no metadata")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("\"id\"");
    assertThatThrownBy(() -> MedAdaptContentRetriever.builder().retriever(fixed).maxResults(0).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("maxResults");
  }

  @Test
  void injectorRendersTheUserTurnWithTheTemplate() {
    MedAdaptContentInjector inj = MedAdaptContentInjector.of(PromptTemplate.REFERENCE_STUDY);
    List<Content> contents = MedAdaptContentRetriever.builder().retriever(new Fixed()).maxResults(2).build()
        .retrieve(Query.from("q"));
    dev.langchain4j.data.message.UserMessage out =
        (dev.langchain4j.data.message.UserMessage) inj.inject(contents, dev.langchain4j.data.message.UserMessage.from("What treats diabetes?"));
    assertThat(out.singleText())
        .isEqualTo("Based on the following retrieved documents, answer the question.\n\n"
            + "[1] Diabetes\nMetformin first.\n\n[2] \nDiet.\n\n"
            + "Question: What treats diabetes?\nAnswer:");
    assertThat(inj.systemMessage()).isEqualTo(PromptTemplate.REFERENCE_STUDY.system());
    assertThatThrownBy(() -> MedAdaptContentInjector.of(
            PromptTemplate.custom("Use {context} for {question}", "{context}\n{question}")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("system message");
  }
}
