package dev.medadapt.examples;

import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.model.LocalLanguageModel;
import dev.medadapt.rag.chunk.RecursiveCharacterSplitter;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.index.IndexReport;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.pipeline.PromptTemplate;
import dev.medadapt.rag.pipeline.RagAnswer;
import dev.medadapt.rag.pipeline.RagPipeline;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Retriever;
import dev.medadapt.study.EmbeddedDefault;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retrieval-augmented generation: ingest a MedRAG-format JSONL corpus into a persistent BM25 index, reopen it, and
 * answer a question with the reference study's prompt over the top 3 snippets, reporting which snippets the answer
 * cites.
 *
 * <pre>
 * RagExample [--model DIR] [--corpus FILE,FILE...] [--question TEXT] [--out DIR]
 * </pre>
 *
 * <p>By default it uses the embedded tiny random model and 300 MedQuAD passages: the retrieval is real (BM25 finds
 * the relevant passages), the generated answer is gibberish and rarely cites anything. {@code --corpus} takes MedRAG
 * JSONL files ({@code {"id", "title", "content"}} per line, e.g. MedRAG's textbooks or StatPearls chunks).
 * {@code --out} (default {@code target/medadapt-examples/rag}) receives {@code index/} and {@code answer.json}.
 * Running again over the same corpus files resumes: the writer skips what an earlier run committed for them (the
 * embedded corpus is extracted afresh on every run, so it is indexed again; ids are replaced, never duplicated).
 */
public final class RagExample {
  private static final Logger LOG = LoggerFactory.getLogger(RagExample.class);

  private RagExample() {}

  public static void main(String[] args) {
    ExampleArgs opts = ExampleArgs.parse(args, "--model", "--corpus", "--question");
    Path out = opts.out("rag");
    EmbeddedDefault d = EmbeddedDefault.extract(out.resolve("embedded")); // used for what is not given
    boolean embedded = opts.path("--model").isEmpty();
    Path modelDir = opts.path("--model").orElse(d.model());
    List<Path> corpus = opts.paths("--corpus").orElse(List.of(d.corpus()));
    String question = opts.string("--question", "What are the symptoms of adult acute lymphoblastic leukemia?");
    if (embedded) {
      LOG.info("no --model: the embedded tiny random Qwen2 model; its answer is noise, the retrieval is real");
    }

    // 1. Ingest. MedRAG's textbook setting splits passages longer than 1,000 characters with a 200-character overlap
    //    (LangChain's RecursiveCharacterTextSplitter); pieces get ids "<id>_part<n>". BM25 only: no embedder needed.
    Path indexDir = out.resolve("index");
    RecursiveCharacterSplitter splitter =
        RecursiveCharacterSplitter.builder().chunkSize(1000).chunkOverlap(200).build();
    try (RagIndexWriter writer = RagIndexWriter.builder(indexDir).bm25Only().build();
        ChunkSource source = Corpora.splitLong(Corpora.open(corpus, BadRowPolicy.FAIL), splitter)) {
      // The source key identifies the input: a rerun over the same key resumes instead of re-indexing.
      IndexReport r = writer.index(source, RagIndexWriter.sourceKey(corpus) + "split=1000/200");
      LOG.info("indexed {} chunks ({} already there) in {} ms", r.chunksIndexed(), r.chunksResumed(),
          r.elapsed().toMillis());
    }

    // 2. Reopen the persistent index (as a separate process would) and ask.
    try (RagIndex index = RagIndex.open(indexDir);
        LanguageModel lm = LocalLanguageModel.builder().modelPath(modelDir).build()) {
      System.out.println("Index: " + index.size() + " chunks in " + indexDir);
      Retriever retriever = Bm25Retriever.builder(index).build();
      RagPipeline rag = RagPipeline.builder()
          .retriever(retriever)
          .languageModel(lm)
          .template(PromptTemplate.REFERENCE_STUDY) // "Based on the following retrieved documents..." with [n] ids
          .k(3) // the reference study's top-k
          .generationOptions(GenerationOptions.greedy(embedded ? 32 : 512))
          .build();
      RagAnswer answer = rag.ask(question);

      System.out.println("Question: " + question);
      System.out.println("Answer: " + answer.answer().strip());
      System.out.println("Cited: "
          + (answer.citedIds().isEmpty() ? "(no [n] citation in the answer)" : answer.citedIds()));
      System.out.println("Snippets in the prompt:");
      int first = PromptTemplate.REFERENCE_STUDY.firstNumber();
      for (int i = 0; i < answer.snippets().size(); i++) {
        Hit h = answer.snippets().get(i);
        System.out.printf(Locale.ROOT, "  [%d] %s%s  score %.3f  %s%n", i + first, h.id(),
            answer.citedIds().contains(h.id()) ? " (cited)" : "", h.score(), h.title());
      }
      System.out.printf(Locale.ROOT, "Prompt context: %d tokens; %d generated tokens%n", answer.contextTokens(),
          answer.generation().generatedTokens());

      Map<String, Object> record = new LinkedHashMap<>();
      record.put("question", question);
      record.put("answer", answer.answer());
      record.put("cited_ids", answer.citedIds());
      record.put("snippets", answer.snippets().stream()
          .map(h -> Map.of("id", h.id(), "title", h.title(), "score", h.score())).toList());
      record.put("index_size", index.size());
      Path file = out.resolve("answer.json");
      ExampleArgs.writeJson(file, record);
      System.out.println("Wrote " + file);
    }
  }
}
