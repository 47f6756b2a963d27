package dev.medadapt.cli;

import dev.medadapt.core.progress.Progress;
import dev.medadapt.rag.ireval.QueryFile;
import dev.medadapt.rag.ireval.TrecRunWriter;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Retriever;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code medadapt search}: queries an index with BM25, dense or hybrid retrieval. */
@Command(
    name = "search",
    mixinStandardHelpOptions = true,
    description = {
      "Search an index. One --query prints its hits; --queries FILE (JSONL with id or _id, and text) writes a TREC run",
      "(to --run-out, or stdout) for `medadapt ir-eval`."
    })
public final class SearchCommand implements Callable<Integer> {
  @ArgGroup(exclusive = true, multiplicity = "1", heading = "Index: a local directory or a SolrCloud collection%n")
  RetrievalTarget target;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  static final class Input {
    @Option(names = "--query", paramLabel = "TEXT", description = "One query; prints the hits readably.")
    String query;

    @Option(names = "--queries", paramLabel = "FILE", description = "JSONL queries: {\"id\" or \"_id\": ..., \"text\": ...} per line.")
    Path queries;
  }

  @Option(names = "--mode", paramLabel = "MODE", description = "bm25, dense or hybrid (default: hybrid for a dense index, bm25 for a BM25-only one).")
  String mode;

  @Option(names = "--k", paramLabel = "N", defaultValue = "10", description = "Hits per query (default ${DEFAULT-VALUE}).")
  int k;

  @Option(names = "--run-out", paramLabel = "FILE", description = "Write the TREC run here (qid Q0 docid rank score tag).")
  Path runOut;

  @Option(names = "--embedder", paramLabel = "SPEC", description = "Query embedder (default: the index's, when built in): " + Embedders.HELP + ".")
  String embedder;

  @Option(names = "--rrf-k", paramLabel = "N", defaultValue = "60", description = "Reciprocal rank fusion constant for hybrid (default 60; MedRAG uses 100).")
  int rrfK;

  @Option(names = "--tag", paramLabel = "TAG", description = "Run tag (default medadapt-MODE).")
  String tag;

  @Override
  public Integer call() throws IOException {
    if (runOut != null) {
      OutPaths.requireFile(runOut, "--run-out");
    }
    try (RetrievalTarget.Opened idx = target.open()) {
      try (RagRetrievers rr = RagRetrievers.open(idx, mode, embedder, rrfK, "--mode")) {
        Retriever retriever = rr.retriever();
        if (input.query != null) {
          List<Hit> hits = retriever.retrieve(input.query, k);
          if (runOut != null) {
            try (TrecRunWriter w = new TrecRunWriter(runOut, tag == null ? "medadapt-" + rr.mode() : tag)) {
              w.write("q1", hits);
            }
          }
          printHits(hits);
        } else {
          runQueries(retriever, rr.mode());
        }
      }
    }
    return 0;
  }

  private void printHits(List<Hit> hits) {
    if (hits.isEmpty()) {
      System.out.println("no hits");
    }
    for (int i = 0; i < hits.size(); i++) {
      Hit h = hits.get(i);
      System.out.printf(Locale.ROOT, "%2d. %s  (score %.4f)%n    %s%n    %s%n", i + 1, h.id(), h.score(), h.title(), snippet(h.content(), 240));
    }
  }

  private static String snippet(String s, int max) {
    String one = s.replaceAll("\\s+", " ").strip();
    return one.length() <= max ? one : one.substring(0, max - 1) + "…";
  }

  private void runQueries(Retriever retriever, String m) throws IOException {
    List<Map.Entry<String, String>> qs = new ArrayList<>(QueryFile.readJsonl(input.queries).entrySet());
    String runTag = tag == null ? "medadapt-" + m : tag;
    Path target = runOut;
    Path tmp = null;
    if (target == null) {
      tmp = Files.createTempFile("medadapt-run", ".txt");
      target = tmp;
    }
    long start = System.nanoTime();
    try (ProgressBar bar = ProgressBar.onStderr();
        TrecRunWriter w = new TrecRunWriter(target, runTag)) {
      for (int i = 0; i < qs.size(); i++) {
        w.write(qs.get(i).getKey(), retriever.retrieve(qs.get(i).getValue(), k));
        bar.onProgress(Progress.of("search", i + 1, qs.size(), "queries", Duration.ofNanos(System.nanoTime() - start), Map.of()));
      }
    }
    if (tmp != null) {
      System.out.print(Files.readString(tmp));
      Files.delete(tmp);
    } else {
      System.out.printf(Locale.ROOT, "wrote %,d queries x top %d to %s%n", qs.size(), k, runOut);
    }
  }

}
