package dev.medadapt.examples;

import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.model.LocalLanguageModel;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.bench.StandardLayout;
import dev.medadapt.eval.report.BenchmarkSummary;
import dev.medadapt.eval.report.Comparison;
import dev.medadapt.eval.report.Reports;
import dev.medadapt.eval.report.RunSummary;
import dev.medadapt.eval.run.EvalRunner;
import dev.medadapt.eval.run.RunResult;
import dev.medadapt.eval.run.ScoringMode;
import dev.medadapt.eval.stats.Bootstrap;
import dev.medadapt.eval.stats.PairedComparison;
import dev.medadapt.rag.chunk.RecursiveCharacterSplitter;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.Retriever;
import dev.medadapt.study.EmbeddedDefault;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Benchmark evaluation with statistics: the same seeded MedQA-US and PubMedQA questions scored by log-likelihood for
 * the base model and for the base model with BM25 retrieval (RAG), each accuracy with its 95% Wilson interval, and the
 * two runs compared question by question with the exact McNemar test (Holm-corrected across benchmarks) and a paired
 * bootstrap interval of the difference.
 *
 * <pre>
 * EvaluateExample [--model DIR] [--data DIR] [--corpus FILE,FILE...] [--n N] [--out DIR]
 * </pre>
 *
 * <p>By default it uses the embedded tiny random model, its benchmark sample (5 questions per benchmark) and 300
 * MedQuAD passages: every number is computed for real, and (the model being random) the accuracies are at chance
 * level and no difference is significant. {@code --data} is laid out like the public releases
 * ({@code medqa_us/phrases_no_exclude_test.jsonl}, {@code pubmedqa/ori_pqal.json} + {@code test_ground_truth.json});
 * {@code --n} is the number of questions per benchmark (the reference study's 200 with a real model).
 * {@code --out} (default {@code target/medadapt-examples/evaluate}) receives {@code index/}, {@code runs/base} and
 * {@code runs/rag} (resumable: {@code records.jsonl} + {@code run.json}) and {@code rag-vs-base.{md,csv,json,svg}}.
 */
public final class EvaluateExample {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateExample.class);

  private EvaluateExample() {}

  public static void main(String[] args) {
    ExampleArgs opts = ExampleArgs.parse(args, "--model", "--data", "--corpus", "--n");
    Path out = opts.out("evaluate");
    EmbeddedDefault d = EmbeddedDefault.extract(out.resolve("embedded")); // used for what is not given
    boolean embedded = opts.path("--model").isEmpty();
    Path modelDir = opts.path("--model").orElse(d.model());
    Path dataDir = opts.path("--data").orElse(d.data());
    List<Path> corpus = opts.paths("--corpus").orElse(List.of(d.corpus()));
    // Questions per benchmark: the reference study's 200 with a real model; few on the tiny one to stay fast.
    int n = opts.integer("--n", embedded ? 5 : 200);
    long seed = 4242;
    // Snippets per question: 3 as in the reference study; 1 on the embedded model, whose byte-level tokenizer makes a
    // 1,000-character snippet about 1,000 tokens (3 of them plus a PubMedQA abstract would overflow its 4,096).
    int k = embedded ? 1 : 3;

    // 1. The questions: each runner draws the same seeded subset of each benchmark (pairing needs identical items).
    List<Question> questions = new ArrayList<>();
    for (String benchmark : List.of("medqa", "pubmedqa")) {
      questions.addAll(StandardLayout.load(dataDir, benchmark));
    }
    LOG.info("{} questions from {}; each run asks {} per benchmark", questions.size(), dataDir, n);

    Path indexDir = out.resolve("index");
    buildIndex(corpus, indexDir);

    RunResult base;
    RunResult rag;
    try (LanguageModel lm = LocalLanguageModel.builder().modelPath(modelDir).build();
        RagIndex index = RagIndex.open(indexDir)) {
      // 2. Base: lm-evaluation-harness style, the log-likelihood of each option letter after the question.
      base = runner(lm, questions, out.resolve("runs/base"), seed, n).build().run();

      // 3. RAG: the same scoring with the top-k BM25 snippets of the question put into the prompt.
      // The runner queries with the question text and renders hits as MedRAG does: "(Title: t) content".
      Retriever retriever = Bm25Retriever.builder(index).build();
      rag = runner(lm, questions, out.resolve("runs/rag"), seed, n)
          .retriever(retriever, k, "bm25 over " + index.size() + " chunks")
          .build().run();
    }

    // 4. Statistics from the eval module: Wilson + bootstrap intervals per benchmark, McNemar + Holm between runs.
    Bootstrap bootstrap = new Bootstrap(Bootstrap.DEFAULT_RESAMPLES, seed);
    RunSummary baseSummary = RunSummary.of("base", base.records(), bootstrap, 0.95);
    RunSummary ragSummary = RunSummary.of("rag", rag.records(), bootstrap, 0.95);
    System.out.println("Accuracy (95% Wilson interval):");
    for (RunSummary s : List.of(baseSummary, ragSummary)) {
      for (BenchmarkSummary b : s.rows()) {
        System.out.printf(Locale.ROOT, "  %-4s %-8s %3d/%-3d = %.4f  [%.4f, %.4f]%n", s.label(), b.benchmark(),
            b.correct(), b.n(), b.accuracy(), b.wilson().low(), b.wilson().high());
      }
    }

    Comparison cmp = Comparison.builder()
        .a("rag", rag.records())
        .b("base", base.records())
        .bootstrap(bootstrap)
        .level(0.95)
        .alpha(0.05)
        .build();
    System.out.println("RAG vs base, paired by question (exact McNemar, Holm-adjusted over benchmarks):");
    for (Comparison.Row row : cmp.rows()) {
      PairedComparison p = row.paired();
      System.out.printf(Locale.ROOT,
          "  %-8s n=%d both=%d only_rag=%d only_base=%d neither=%d  diff %+.4f [%+.4f, %+.4f]"
              + "  mcnemar_p=%.4f holm_p=%.4f  %s%n",
          row.benchmark(), p.n(), p.bothCorrect(), p.onlyA(), p.onlyB(), p.bothWrong(), p.difference().estimate(),
          p.difference().low(), p.difference().high(), p.mcnemarP(), row.holmP(),
          row.significant() ? "significant" : "not significant");
    }

    // 5. The same tables as Markdown, CSV, JSON and an SVG chart.
    Reports.writeComparison(out, "rag-vs-base", cmp, ragSummary, baseSummary, bootstrap).written()
        .forEach(f -> System.out.println("Wrote " + f));
  }

  /** The settings both runs share; a run folder resumes where an interrupted run stopped. */
  private static EvalRunner.Builder runner(LanguageModel lm, List<Question> questions, Path dir, long seed, int n) {
    return EvalRunner.builder()
        .model(lm)
        .questions(questions)
        .scoring(ScoringMode.LOGLIKELIHOOD) // acc, not acc_norm
        .subset(seed, n)
        .outDir(dir);
  }

  /** A BM25 index of the corpus, passages split as MedRAG's textbooks (1,000 characters, overlap 200). */
  private static void buildIndex(List<Path> corpus, Path indexDir) {
    RecursiveCharacterSplitter splitter =
        RecursiveCharacterSplitter.builder().chunkSize(1000).chunkOverlap(200).build();
    try (RagIndexWriter writer = RagIndexWriter.builder(indexDir).bm25Only().build();
        ChunkSource source = Corpora.splitLong(Corpora.open(corpus, BadRowPolicy.FAIL), splitter)) {
      writer.index(source, RagIndexWriter.sourceKey(corpus) + "split=1000/200");
    }
  }
}
