package dev.medadapt.examples;

import dev.langchain4j.rag.DefaultRetrievalAugmentor;
import dev.langchain4j.rag.RetrievalAugmentor;
import dev.langchain4j.service.AiServices;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.model.LocalLanguageModel;
import dev.medadapt.langchain4j.MedAdaptChatModel;
import dev.medadapt.langchain4j.MedAdaptContentInjector;
import dev.medadapt.langchain4j.MedAdaptContentRetriever;
import dev.medadapt.rag.chunk.RecursiveCharacterSplitter;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.OnnxEmbedder;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.pipeline.PromptTemplate;
import dev.medadapt.rag.pipeline.RagAnswer;
import dev.medadapt.rag.pipeline.RagPipeline;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.DenseRetriever;
import dev.medadapt.rag.retrieve.HybridRetriever;
import dev.medadapt.rag.retrieve.Retriever;
import dev.medadapt.study.EmbeddedDefault;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * MedAdapt inside a LangChain4j application: an {@code AiServices} assistant whose
 * {@code RetrievalAugmentor} retrieves with MedAdapt's hybrid retriever (BM25 + dense, RRF) and whose
 * chat model is a MedAdapt {@code LanguageModel}, offline. For the same question it prints the
 * passages LangChain4j put into the prompt next to those of MedAdapt's own {@code RagPipeline}.
 *
 * <pre>
 * LangChain4jExample [--model DIR] [--embedder DIR] [--corpus FILE,FILE...] [--question TEXT] [--out DIR]
 * </pre>
 *
 * <p>Defaults: the embedded tiny random model and 300 MedQuAD passages, embedded with all-MiniLM-L6-v2
 * from the class path ({@code --embedder} takes a sentence-transformers ONNX folder instead). The
 * tiny model's answer is noise; the retrieval is real. {@code --out} (default
 * {@code target/medadapt-examples/langchain4j}) receives {@code index/} and {@code answer.json}.
 */
public final class LangChain4jExample {
  private LangChain4jExample() {}

  /** The LangChain4j service: one method, the question in, the answer out. */
  interface Assistant {
    String answer(String question);
  }

  public static void main(String[] args) {
    ExampleArgs opts = ExampleArgs.parse(args, "--model", "--embedder", "--corpus", "--question");
    Path out = opts.out("langchain4j");
    EmbeddedDefault d = EmbeddedDefault.extract(out.resolve("embedded"));
    boolean embedded = opts.path("--model").isEmpty();
    Path modelDir = opts.path("--model").orElse(d.model());
    List<Path> corpus = opts.paths("--corpus").orElse(List.of(d.corpus()));
    String question = opts.string("--question", "What are the symptoms of adult acute lymphoblastic leukemia?");

    Path indexDir = out.resolve("index");
    try (Embedder embedder = opts.path("--embedder").map(p -> (Embedder) OnnxEmbedder.fromDirectory(p).build())
            .orElseGet(OnnxEmbedder::allMiniLmL6V2)) {
      // 1. A hybrid index: BM25 fields and HNSW vectors, passages split as in MedRAG's textbooks (1000/200).
      try (RagIndexWriter writer = RagIndexWriter.builder(indexDir).embedder(embedder).build();
          ChunkSource source = Corpora.splitLong(Corpora.open(corpus, BadRowPolicy.FAIL),
              RecursiveCharacterSplitter.builder().chunkSize(1000).chunkOverlap(200).build())) {
        writer.index(source, RagIndexWriter.sourceKey(corpus) + "split=1000/200");
      }
      try (RagIndex index = RagIndex.open(indexDir);
          LanguageModel base = LocalLanguageModel.builder().modelPath(modelDir).build()) {
        Retriever hybrid = HybridRetriever.builder()
            .add(Bm25Retriever.builder(index).build(), 1.0)
            .add(DenseRetriever.builder(index, embedder).build(), 1.0)
            .build();
        GenerationOptions options = GenerationOptions.greedy(embedded ? 32 : 512);
        Recording lm = new Recording(base);

        // 2. The LangChain4j assistant: MedAdapt's retriever as a ContentRetriever, MedAdapt's prompt as the injector.
        MedAdaptContentInjector injector = MedAdaptContentInjector.of(PromptTemplate.REFERENCE_STUDY);
        RetrievalAugmentor augmentor = DefaultRetrievalAugmentor.builder()
            .contentRetriever(MedAdaptContentRetriever.builder().retriever(hybrid).maxResults(3).build())
            .contentInjector(injector)
            .build();
        Assistant assistant = AiServices.builder(Assistant.class)
            .chatModel(MedAdaptChatModel.builder().languageModel(lm).generationOptions(options).build())
            .retrievalAugmentor(augmentor)
            .systemMessageProvider(memoryId -> injector.systemMessage())
            .build();
        String answer = assistant.answer(question);
        List<ChatMessage> langchain4jPrompt = lm.last;

        // 3. MedAdapt's own pipeline with the same retriever, template and k.
        RagAnswer own = RagPipeline.builder().retriever(hybrid).languageModel(lm).template(PromptTemplate.REFERENCE_STUDY)
            .k(3).generationOptions(options).build().ask(question);
        boolean samePrompt = langchain4jPrompt.equals(own.messages());

        System.out.println("Question: " + question);
        System.out.println("LangChain4j answer: " + answer.strip());
        System.out.println("RagPipeline answer: " + own.answer().strip());
        System.out.println("Passages in both prompts: " + own.snippetIds());
        System.out.println("Same prompt: " + samePrompt);

        Map<String, Object> record = new LinkedHashMap<>();
        record.put("question", question);
        record.put("langchain4j_answer", answer);
        record.put("rag_pipeline_answer", own.answer());
        record.put("snippet_ids", own.snippetIds());
        record.put("same_prompt", samePrompt);
        record.put("langchain4j_user_message", langchain4jPrompt.get(langchain4jPrompt.size() - 1).content());
        Path file = out.resolve("answer.json");
        ExampleArgs.writeJson(file, record);
        System.out.println("Wrote " + file);
      }
    }
  }

  /** Remembers the messages of the last chat call, to show what LangChain4j sent. */
  private static final class Recording implements LanguageModel {
    private final LanguageModel inner;
    private volatile List<ChatMessage> last = new ArrayList<>();

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
    public Generation chat(List<ChatMessage> messages, GenerationOptions options, Consumer<String> onText) {
      last = List.copyOf(messages);
      return inner.chat(messages, options, onText);
    }

    @Override
    public java.util.Optional<dev.medadapt.core.llm.TextTokenizer> tokenizer() {
      return inner.tokenizer();
    }

    @Override
    public void close() {}
  }
}
