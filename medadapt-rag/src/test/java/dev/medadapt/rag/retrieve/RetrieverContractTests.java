package dev.medadapt.rag.retrieve;

import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.OnnxEmbedder;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.testing.RetrieverContract;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;

/** The retriever contract for the local index: BM25, dense (exact and HNSW) and hybrid. */
class RetrieverContractTests {

  /** Indexes the corpus with the given embedder (null: BM25 only) and keeps the index open for the test. */
  abstract static class LocalIndex extends RetrieverContract {
    RagIndex index;
    Embedder embedder;

    Embedder embedder() {
      return null;
    }

    abstract Retriever over(RagIndex index, Embedder embedder);

    @Override
    protected Retriever create(List<Chunk> corpus, Path dir) {
      embedder = embedder();
      RagIndexWriter.Builder b = RagIndexWriter.builder(dir.resolve("index"));
      try (RagIndexWriter w = (embedder == null ? b.bm25Only() : b.embedder(embedder)).build();
          ChunkSource s = Corpora.of(corpus, "contract corpus")) {
        w.index(s, "contract");
      }
      index = RagIndex.open(dir.resolve("index"));
      return over(index, embedder);
    }

    @AfterEach
    void closeIndex() {
      index.close();
      if (embedder != null) {
        embedder.close();
      }
    }
  }

  /** The bundled all-MiniLM-L6-v2: a real sentence encoder, so "the topical passage first" means something. */
  static Embedder miniLm() {
    return OnnxEmbedder.allMiniLmL6V2();
  }

  @Nested
  class Bm25 extends LocalIndex {
    @Override
    Retriever over(RagIndex index, Embedder embedder) {
      return Bm25Retriever.builder(index).build();
    }
  }

  @Nested
  class DenseExact extends LocalIndex {
    @Override
    Embedder embedder() {
      return miniLm();
    }

    @Override
    Retriever over(RagIndex index, Embedder embedder) {
      return DenseRetriever.builder(index, embedder).mode(DenseRetriever.Mode.EXACT).build();
    }
  }

  @Nested
  class DenseHnsw extends LocalIndex {
    @Override
    Embedder embedder() {
      return miniLm();
    }

    @Override
    Retriever over(RagIndex index, Embedder embedder) {
      return DenseRetriever.builder(index, embedder).mode(DenseRetriever.Mode.HNSW).build();
    }
  }

  @Nested
  class Hybrid extends LocalIndex {
    @Override
    Embedder embedder() {
      return miniLm();
    }

    @Override
    Retriever over(RagIndex index, Embedder embedder) {
      return HybridRetriever.builder()
          .add(Bm25Retriever.builder(index).build(), 1.0)
          .add(DenseRetriever.builder(index, embedder).build(), 1.0)
          .build();
    }
  }
}
