package dev.medadapt.rag.rerank;

import dev.medadapt.core.testing.TestResources;
import dev.medadapt.rag.retrieve.Reranker;
import dev.medadapt.rag.testing.RerankerContract;
import java.nio.file.Path;

/** The reranker contract for the ONNX cross-encoder (the tiny test model). */
class OnnxCrossEncoderRerankerContractTest extends RerankerContract {
  @Override
  protected Reranker create() {
    Path dir = TestResources.testdata("rag/tiny-cross-encoder");
    return OnnxCrossEncoderReranker.builder().modelPath(dir.resolve("model.onnx"))
        .tokenizerPath(dir.resolve("tokenizer.json")).build();
  }
}
