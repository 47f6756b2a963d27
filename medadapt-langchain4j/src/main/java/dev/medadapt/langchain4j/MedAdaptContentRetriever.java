package dev.medadapt.langchain4j;

import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.ContentMetadata;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Retriever;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A LangChain4j {@link ContentRetriever} over any MedAdapt {@link Retriever} (BM25, dense, hybrid,
 * local or SolrCloud). Each hit becomes a {@link Content} whose text segment is the passage content
 * and whose segment metadata holds the passage id ({@value #ID}), title ({@value #TITLE}) and
 * retriever score ({@value #SCORE}); the score is also the content's {@link ContentMetadata#SCORE}.
 * Thread-safe if the retriever is. It does not own the retriever: close that yourself.
 *
 * <pre>{@code
 * ContentRetriever contents = MedAdaptContentRetriever.builder().retriever(hybrid).maxResults(3).build();
 * RetrievalAugmentor augmentor = DefaultRetrievalAugmentor.builder()
 *     .contentRetriever(contents).contentInjector(MedAdaptContentInjector.of(PromptTemplate.REFERENCE_STUDY)).build();
 * }</pre>
 */
public final class MedAdaptContentRetriever implements ContentRetriever {
  /** Segment metadata key of the passage id. */
  public static final String ID = "id";

  /** Segment metadata key of the passage title. */
  public static final String TITLE = "title";

  /** Segment metadata key of the retriever score (higher is better; scales differ between retrievers). */
  public static final String SCORE = "score";

  private final Retriever retriever;
  private final int maxResults;

  private MedAdaptContentRetriever(Builder b) {
    this.retriever = b.retriever;
    this.maxResults = b.maxResults;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public List<Content> retrieve(Query query) {
    Ensure.notNull(query, "query");
    List<Hit> hits = retriever.retrieve(query.text(), maxResults);
    List<Content> out = new ArrayList<>(hits.size());
    for (Hit h : hits) {
      out.add(toContent(h));
    }
    return out;
  }

  /** A hit as LangChain4j content (see the class comment for the metadata). */
  public static Content toContent(Hit hit) {
    Metadata m = new Metadata();
    m.put(ID, hit.id());
    m.put(TITLE, hit.title() == null ? "" : hit.title());
    m.put(SCORE, hit.score());
    String text = hit.content() == null ? "" : hit.content();
    return Content.from(TextSegment.from(text, m), Map.of(ContentMetadata.SCORE, hit.score()));
  }

  /**
   * The hit a content was made from by {@link #toContent(Hit)}.
   *
   * @throws ConfigurationException when the content lacks the {@value #ID} metadata (it did not come
   *     from a MedAdapt retriever)
   */
  public static Hit toHit(Content content) {
    Ensure.notNull(content, "content");
    TextSegment s = content.textSegment();
    String id = s.metadata().getString(ID);
    if (id == null) {
      throw new ConfigurationException(
          "content has no \"" + ID + "\" metadata: it was not retrieved by a MedAdaptContentRetriever (metadata: "
              + s.metadata().toMap() + ")");
    }
    String title = s.metadata().getString(TITLE);
    Double score = s.metadata().getDouble(SCORE);
    return new Hit(id, title == null ? "" : title, s.text(), score == null ? 0.0 : score);
  }

  /** Builder; {@code retriever} is required. */
  public static final class Builder {
    private Retriever retriever;
    private int maxResults = 3;

    private Builder() {}

    /** The MedAdapt retriever to ask. */
    public Builder retriever(Retriever retriever) {
      this.retriever = retriever;
      return this;
    }

    /** Passages per query, in [1, 1000]; default 3, RagPipeline's default {@code k} (the reference study's top-3). */
    public Builder maxResults(int maxResults) {
      this.maxResults = maxResults;
      return this;
    }

    public MedAdaptContentRetriever build() {
      Ensure.notNull(retriever, "retriever");
      Ensure.between(maxResults, 1, 1000, "maxResults");
      return new MedAdaptContentRetriever(this);
    }
  }
}
