package dev.medadapt.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.request.EmbeddingInput;
import dev.langchain4j.model.embedding.request.EmbeddingInputType;
import dev.langchain4j.model.embedding.request.EmbeddingParameter;
import dev.langchain4j.model.embedding.request.EmbeddingRequest;
import dev.langchain4j.model.embedding.request.EmbeddingRequestParameters;
import dev.langchain4j.model.embedding.response.EmbeddingResponse;
import dev.langchain4j.model.embedding.response.EmbeddingResponseMetadata;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.rag.embed.Embedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A LangChain4j {@link EmbeddingModel} over a MedAdapt {@link Embedder}. Embedders that prefix
 * queries and passages differently (bge, e5) keep doing so: a request whose input type is
 * {@link EmbeddingInputType#QUERY} is embedded with {@link Embedder#embedQuery}, every other request
 * (input type {@code DOCUMENT} or none, which is what {@code embed(String)} and {@code embedAll} send)
 * with {@link Embedder#embedPassages}. Thread-safe if the embedder is; it does not own the embedder.
 *
 * <pre>{@code
 * EmbeddingModel model = new MedAdaptEmbeddingModel(OnnxEmbedder.allMiniLmL6V2());
 * Embedding e = model.embed("chest pain").content();
 * }</pre>
 */
public final class MedAdaptEmbeddingModel implements EmbeddingModel {
  private final Embedder embedder;

  public MedAdaptEmbeddingModel(Embedder embedder) {
    this.embedder = Ensure.notNull(embedder, "embedder");
  }

  @Override
  public EmbeddingResponse doEmbed(EmbeddingRequest request) {
    List<String> texts = new ArrayList<>(request.inputs().size());
    for (EmbeddingInput in : request.inputs()) {
      texts.add(in.text());
    }
    EmbeddingInputType type = request.parameters() == null ? null : request.parameters().inputType();
    List<float[]> vectors;
    if (type == EmbeddingInputType.QUERY) {
      vectors = new ArrayList<>(texts.size());
      for (String t : texts) {
        vectors.add(embedder.embedQuery(t));
      }
    } else {
      vectors = embedder.embedPassages(texts);
    }
    if (vectors.size() != texts.size()) {
      throw new ModelFormatException("embedder " + embedder.info().name() + " returned " + vectors.size()
          + " vectors for " + texts.size() + " texts");
    }
    List<Embedding> out = new ArrayList<>(vectors.size());
    for (float[] v : vectors) {
      out.add(Embedding.from(v));
    }
    return EmbeddingResponse.builder()
        .embeddings(out)
        .metadata(EmbeddingResponseMetadata.builder().modelName(modelName()).build())
        .build();
  }

  @Override
  public Set<EmbeddingParameter<?>> supportedParameters() {
    return Set.of(EmbeddingRequestParameters.INPUT_TYPE);
  }

  @Override
  public int dimension() {
    return embedder.info().dimension();
  }

  @Override
  public String modelName() {
    return embedder.info().name();
  }
}
