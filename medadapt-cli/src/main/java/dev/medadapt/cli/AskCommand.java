package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.pipeline.PromptTemplate;
import dev.medadapt.rag.pipeline.RagAnswer;
import dev.medadapt.rag.pipeline.RagPipeline;
import dev.medadapt.rag.rerank.OnnxCrossEncoderReranker;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Reranker;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code medadapt ask}: answers a question from an index with a language model and prints the
 * answer followed by the snippets it was shown, marking those it cites.
 *
 * <pre>
 * ./medadapt ask --index idx --openai-url http://localhost:8000/v1 --openai-model qwen \
 *     --question "What is the first-line drug for type 2 diabetes?" --k 3
 * </pre>
 */
@Command(
    name = "ask",
    mixinStandardHelpOptions = true,
    description =
        "Answer a question with retrieval-augmented generation: retrieve --k snippets from --index (optionally "
            + "reranked by a cross-encoder), prompt the model, print the answer and its sources (* = cited as [n]).")
public final class AskCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "0..1",
      heading = "Index: a local directory or a SolrCloud collection (default: a BM25 index of the embedded corpus sample)%n")
  RetrievalTarget target;

  @picocli.CommandLine.Mixin ModelOptions model = new ModelOptions();

  @Option(names = "--question", required = true, paramLabel = "TEXT", description = "The question to answer.")
  String question;

  @Option(names = "--k", paramLabel = "N", defaultValue = "3", description = "snippets in the prompt (default ${DEFAULT-VALUE}, as the reference study)")
  int k;

  @Option(names = "--mode", paramLabel = "MODE", description = "bm25, dense or hybrid (default: hybrid for a dense index, bm25 for a BM25-only one)")
  String mode;

  @Option(names = "--embedder", paramLabel = "SPEC", description = "query embedder (default: the index's, when built in): " + Embedders.HELP)
  String embedder;

  @Option(names = "--rrf-k", paramLabel = "N", defaultValue = "60", description = "reciprocal rank fusion constant for hybrid (default ${DEFAULT-VALUE}; MedRAG uses 100)")
  int rrfK;

  @Option(names = "--reranker", paramLabel = "DIR", description = "cross-encoder folder (tokenizer.json + model.onnx or onnx/model.onnx)")
  Path reranker;

  @Option(names = "--template", paramLabel = "NAME", defaultValue = "reference",
      description = "prompt template: reference (\"Based on the following retrieved documents...\") or medrag (JSON chain of thought) (default: ${DEFAULT-VALUE})")
  String template;

  @Option(names = "--context-tokens", paramLabel = "N", defaultValue = "0",
      description = "token budget of the snippets; whole snippets that do not fit are dropped (default 0 = no limit)")
  int contextTokens;

  @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "512", description = "generation budget (default ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--show-prompt", description = "print the exact messages sent before the answer")
  boolean showPrompt;

  @Override
  public Integer call() {
    PromptTemplate t =
        switch (template.toLowerCase(Locale.ROOT)) {
          case "reference" -> PromptTemplate.REFERENCE_STUDY;
          case "medrag" -> PromptTemplate.MEDRAG;
          default -> throw new ConfigurationException("--template must be reference or medrag, was \"" + template + "\"");
        };
    try (ModelOptions.Opened opened = model.open("ask", spec.commandLine().getErr(), b -> b);
        EmbeddedFiles sample = target == null ? EmbeddedFiles.all() : null;
        RetrievalTarget.Opened idx = target == null ? embeddedIndex(sample) : target.open()) {
      Reranker r = null;
      try (RagRetrievers rr = RagRetrievers.open(idx, mode, embedder, rrfK, "--mode")) {
        if (reranker != null) {
          r = openReranker(reranker);
        }
        RagPipeline rag =
            RagPipeline.builder()
                .retriever(rr.retriever())
                .reranker(r)
                .languageModel(opened.model())
                .template(t)
                .k(k)
                .contextTokenBudget(contextTokens)
                .generationOptions(GenerationOptions.greedy(maxNewTokens))
                .build();
        RagAnswer a = rag.ask(question, Map.of(), text -> {});
        print(a, t.firstNumber());
      } finally {
        if (r != null) {
          r.close();
        }
      }
    }
    return 0;
  }

  private void print(RagAnswer a, int first) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (showPrompt) {
      for (var msg : a.messages()) {
        out.println("--- " + msg.role().wireName());
        out.println(msg.content());
      }
      out.println("--- answer");
    }
    out.println(a.answer().strip());
    out.println();
    out.println("Sources:");
    List<Hit> shown = a.snippets();
    for (int i = 0; i < shown.size(); i++) {
      Hit h = shown.get(i);
      out.printf(Locale.ROOT, "%s[%d] %s  %s%n", a.citedIds().contains(h.id()) ? "* " : "  ", i + first, h.id(), h.title());
    }
    if (shown.isEmpty()) {
      out.println("  (no snippets retrieved)");
    }
    if (!a.citedIds().isEmpty()) {
      out.println("* = cited in the answer");
    }
    if (a.droppedCount() > 0) {
      spec.commandLine().getErr().printf("note: %d retrieved snippet(s) did not fit --context-tokens %d: %s%n",
          a.droppedCount(), contextTokens, a.droppedIds());
    }
  }

  /** Without --index or --collection: a BM25 index of the embedded corpus sample, in the temporary folder. */
  private RetrievalTarget.Opened embeddedIndex(EmbeddedFiles sample) {
    Path corpus = sample.files().corpus();
    Path dir = sample.files().root().resolve("index");
    spec.commandLine().getErr().println("ask: no --index or --collection, so a BM25 index of the embedded corpus sample ("
        + corpus.getFileName() + ", MedQuAD passages) is built in a temporary folder");
    spec.commandLine().getErr().flush();
    try (RagIndexWriter w = RagIndexWriter.builder(dir).bm25Only().build();
        ChunkSource src = Corpora.open(List.of(corpus), BadRowPolicy.FAIL)) {
      w.index(src, RagIndexWriter.sourceKey(List.of(corpus)));
    }
    return RetrievalTarget.local(dir);
  }

  private static Reranker openReranker(Path dir) {
    Path model = Files.isRegularFile(dir.resolve("onnx/model.onnx")) ? dir.resolve("onnx/model.onnx") : dir.resolve("model.onnx");
    return OnnxCrossEncoderReranker.builder().modelPath(model).tokenizerPath(dir.resolve("tokenizer.json")).build();
  }
}
