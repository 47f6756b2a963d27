package dev.medadapt.rag.embed;

import dev.medadapt.core.testing.TestResources;
import dev.medadapt.rag.testing.EmbedderContract;
import org.junit.jupiter.api.Nested;

/** The embedder contract for the ONNX encoders (the bundled all-MiniLM and the tiny test model) and hashing. */
class EmbedderContractTests {
  @Nested
  class AllMiniLm extends EmbedderContract {
    @Override
    protected Embedder create() {
      return OnnxEmbedder.allMiniLmL6V2();
    }
  }

  @Nested
  class TinyOnnxEncoder extends EmbedderContract {
    @Override
    protected Embedder create() {
      return OnnxEmbedder.fromDirectory(TestResources.testdata("rag/tiny-encoder")).build();
    }
  }

  @Nested
  class Hashing extends EmbedderContract {
    @Override
    protected Embedder create() {
      return new HashingEmbedder(64);
    }
  }
}
