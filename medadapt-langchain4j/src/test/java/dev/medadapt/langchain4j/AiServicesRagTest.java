package dev.medadapt.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.rag.DefaultRetrievalAugmentor;
import dev.langchain4j.rag.RetrievalAugmentor;
import dev.langchain4j.service.AiServices;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.model.LocalLanguageModel;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.rag.chunk.RecursiveCharacterSplitter;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.embed.OnnxEmbedder;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.ireval.MedQuadRetrievalSet;
import dev.medadapt.rag.pipeline.PromptTemplate;
import dev.medadapt.rag.pipeline.RagAnswer;
import dev.medadapt.rag.pipeline.RagPipeline;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.DenseRetriever;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.HybridRetriever;
import dev.medadapt.rag.retrieve.Retriever;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LangChain4j AiServices assistant whose RetrievalAugmentor retrieves with MedAdapt's hybrid
 * retriever (BM25 + dense over a real MedQuAD sample, tiny ONNX encoder) and answers with the tiny
 * local Qwen2 model, offline: it must send the model exactly the messages RagPipeline sends for the
 * same question (same passages, same order, same prompt) and so get the same greedy answer.
 */
class AiServicesRagTest {
  @TempDir static Path tmp;
  static OnnxEmbedder embedder;
  static RagIndex index;
  static LocalLanguageModel model;
  static MedQuadRetrievalSet medquad;

  interface Assistant {
    String answer(String question);
  }

  /** Records the messages and the answer of every chat call. */
  static final class Recording implements LanguageModel {
    final LanguageModel inner;
    final List<List<ChatMessage>> messages = new ArrayList<>();
    final List<String> answers = new ArrayList<>();

    Recording(LanguageModel inner) {
      this.inner = inner;
    }

    @Override
    public String name() {
      return inner.name();
    }

    @Override
    public Generation generate(String prompt, GenerationOptions options, Consumer<String> onText) {
      return inner.generate(prompt, options, onText);
    }

    @Override
    public Generation chat(List<ChatMessage> m, GenerationOptions options, Consumer<String> onText) {
      Generation g = inner.chat(m, options, onText);
      messages.add(List.copyOf(m));
      answers.add(g.text());
      return g;
    }

    @Override
    public void close() {}
  }

  @BeforeAll
  static void build() {
    medquad = MedQuadRetrievalSet.build(TestResources.testdata("rag/medquad_sample.jsonl"));
    embedder = OnnxEmbedder.fromDirectory(TestResources.testdata("rag/tiny-encoder")).build();
    Path dir = tmp.resolve("idx");
    // 500-character chunks keep three passages inside the tiny byte-level model's 4096-token context
    RecursiveCharacterSplitter splitter = RecursiveCharacterSplitter.builder().chunkSize(500).chunkOverlap(0).build();
    try (RagIndexWriter w = RagIndexWriter.builder(dir).embedder(embedder).build()) {
      w.index(Corpora.splitLong(Corpora.of(medquad.corpus(), "medquad sample"), splitter), "medquad-sample");
    }
    index = RagIndex.open(dir);
    model = LocalLanguageModel.builder().modelPath(TestResources.tinyModel("qwen2-tiny-bytes-chat")).build();
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
    if (index != null) {
      index.close();
    }
    if (embedder != null) {
      embedder.close();
    }
  }

  @Test
  void assistantPromptsWithTheSamePassagesAsRagPipelineAndAnswersTheSame() {
    Retriever hybrid =
        HybridRetriever.builder()
            .add(Bm25Retriever.builder(index).build(), 1.0)
            .add(DenseRetriever.builder(index, embedder).build(), 1.0)
            .build();
    GenerationOptions greedy = GenerationOptions.greedy(16);
    Recording lm = new Recording(model);
    RagPipeline pipeline =
        RagPipeline.builder().retriever(hybrid).languageModel(lm).template(PromptTemplate.REFERENCE_STUDY).k(3)
            .generationOptions(greedy).build();

    MedAdaptContentInjector injector = MedAdaptContentInjector.of(PromptTemplate.REFERENCE_STUDY);
    RetrievalAugmentor augmentor =
        DefaultRetrievalAugmentor.builder()
            .contentRetriever(MedAdaptContentRetriever.builder().retriever(hybrid).maxResults(3).build())
            .contentInjector(injector)
            .build();
    Assistant assistant =
        AiServices.builder(Assistant.class)
            .chatModel(MedAdaptChatModel.builder().languageModel(lm).generationOptions(greedy).build())
            .retrievalAugmentor(augmentor)
            .systemMessageProvider(memoryId -> injector.systemMessage())
            .build();

    List<String> questions = new ArrayList<>(new TreeMap<>(medquad.queries()).values()).subList(0, 5);
    Set<List<String>> distinctPassages = new HashSet<>();
    for (String q : questions) {
      RagAnswer expected = pipeline.ask(q);
      String answer = assistant.answer(q);
      List<ChatMessage> sent = lm.messages.get(lm.messages.size() - 1);

      assertThat(expected.snippetIds()).as(q).hasSize(3);
      assertThat(sent).as(q).isEqualTo(expected.messages());
      for (Hit h : expected.snippets()) {
        assertThat(sent.get(1).content()).as(q).contains(h.content());
      }
      assertThat(answer).as(q).isEqualTo(expected.answer()).isNotEmpty();
      distinctPassages.add(expected.snippetIds());
    }
    // different questions retrieve different passages: equality above is not a constant
    assertThat(distinctPassages).hasSizeGreaterThan(2);
  }
}
