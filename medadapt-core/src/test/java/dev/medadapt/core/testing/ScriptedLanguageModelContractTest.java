package dev.medadapt.core.testing;

import dev.medadapt.core.llm.LanguageModel;

/** The shared fake keeps the contract it stands in for. */
class ScriptedLanguageModelContractTest extends LanguageModelContract {
  @Override
  protected LanguageModel create() {
    return ScriptedLanguageModel.builder()
        .reply(p -> "echo of " + p.length() + " characters")
        .loglikelihood(r -> -0.5 * r.continuation().length())
        .build();
  }
}
