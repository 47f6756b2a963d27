package dev.medadapt.core.model;

import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.testing.LanguageModelContract;
import dev.medadapt.core.testing.TestResources;

/** The local Qwen2 runtime on the tiny byte-level chat model. */
class LocalLanguageModelContractTest extends LanguageModelContract {
  @Override
  protected LanguageModel create() {
    return LocalLanguageModel.builder().modelPath(TestResources.tinyModel("qwen2-tiny-bytes-chat")).build();
  }
}
