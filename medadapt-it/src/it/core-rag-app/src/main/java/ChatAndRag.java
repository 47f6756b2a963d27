import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.Reasoning;
import dev.medadapt.core.model.LocalLanguageModel;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.pipeline.PromptTemplate;
import dev.medadapt.rag.pipeline.RagAnswer;
import dev.medadapt.rag.pipeline.RagPipeline;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Retriever;
import java.nio.file.Path;
import java.util.List;

/** Chat with a local model, index a MedRAG corpus, search it, and answer with cited snippets. */
public class ChatAndRag {
  public static void main(String[] args) {
    Path model = Path.of(args[0]);            // a Hugging Face checkpoint folder, e.g. DeepSeek-R1-Distill-Qwen-1.5B
    List<Path> corpus = List.of(Path.of(args[1])); // MedRAG JSONL: one {"id", "title", "content"} per line
    Path indexDir = Path.of(args[2]);         // the persistent index: created, or extended and resumed

    // 1. A persistent BM25 index of the corpus (add .embedder(...) for dense and hybrid retrieval).
    try (RagIndexWriter writer = RagIndexWriter.builder(indexDir).bm25Only().build();
        ChunkSource source = Corpora.open(corpus, BadRowPolicy.FAIL)) {
      writer.index(source, RagIndexWriter.sourceKey(corpus));
    }

    try (LanguageModel lm = LocalLanguageModel.builder().modelPath(model).build();
        RagIndex index = RagIndex.open(indexDir)) {
      // 2. Chat with the checkpoint's own template; seeded sampling reproduces the same text.
      Generation g = lm.chat(List.of(ChatMessage.user("Which vitamin deficiency causes scurvy?")),
          GenerationOptions.builder().maxNewTokens(64).temperature(0.6).topP(0.95).seed(4242).build());
      Reasoning r = Reasoning.split(g.text()); // <think>...</think> apart from the answer
      System.out.println("Chat answer: " + r.answer());

      // 3. Search.
      Retriever bm25 = Bm25Retriever.builder(index).build();
      for (Hit h : bm25.retrieve("first-line drug for type 2 diabetes", 2)) {
        System.out.println("Hit: " + h.id() + " " + h.title() + " " + h.score());
      }

      // 4. A RAG answer with the reference study's prompt and its top 3 snippets.
      RagAnswer a = RagPipeline.builder().retriever(bm25).languageModel(lm)
          .template(PromptTemplate.REFERENCE_STUDY).k(3).generationOptions(GenerationOptions.greedy(64))
          .build().ask("What causes scurvy?");
      System.out.println("RAG answer: " + a.answer());
      System.out.println("Snippets: " + a.snippetIds() + ", cited: " + a.citedIds());
    }
  }
}
