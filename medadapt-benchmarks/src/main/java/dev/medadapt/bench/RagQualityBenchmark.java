package dev.medadapt.bench;

import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.HashingEmbedder;
import dev.medadapt.rag.embed.OnnxEmbedder;
import dev.medadapt.rag.index.IndexReport;
import dev.medadapt.rag.index.RagIndex;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.rag.ireval.IrEvaluation;
import dev.medadapt.rag.ireval.IrMetrics;
import dev.medadapt.rag.ireval.MedQuadRetrievalSet;
import dev.medadapt.rag.ireval.RankedDoc;
import dev.medadapt.rag.ireval.TrecRun;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.DenseRetriever;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.HybridRetriever;
import dev.medadapt.rag.retrieve.Retriever;
import dev.medadapt.rag.corpus.Corpora;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Retrieval quality (nDCG@10, recall@10, MRR@10) of bm25, dense and hybrid on the MedQuAD
 * question→answer set ({@link MedQuadRetrievalSet}), built offline from
 * {@code ../shared/data/medquad/medquad_medrag.jsonl}.
 *
 * <pre>
 * ./bench RagQualityBenchmark [--data PATH] [--embedder minilm|minilm-int8|hashing] [--queries N] [--index-dir DIR] [--write-set DIR]
 * </pre>
 *
 * {@code --index-dir} keeps the dense index so a second run does not re-embed; {@code --write-set}
 * writes corpus.jsonl, queries.jsonl and qrels.txt for the CLI ({@code medadapt index/search/ir-eval}).
 */
public final class RagQualityBenchmark {
  private RagQualityBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of("../shared/data/medquad/medquad_medrag.jsonl");
    String embedderName = "minilm";
    int nQueries = Integer.MAX_VALUE;
    Path indexDir = null;
    Path writeSet = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data" -> data = Path.of(args[++i]);
        case "--embedder" -> embedderName = args[++i];
        case "--queries" -> nQueries = Integer.parseInt(args[++i]);
        case "--index-dir" -> indexDir = Path.of(args[++i]);
        case "--write-set" -> writeSet = Path.of(args[++i]);
        default -> {
          System.err.println("unknown argument " + args[i]);
          System.exit(2);
        }
      }
    }
    if (!Files.exists(data)) {
      data = Path.of("/work/shared/data/medquad/medquad_medrag.jsonl");
    }
    MedQuadRetrievalSet set = MedQuadRetrievalSet.build(data).sampleQueries(nQueries, 20261125L);
    if (writeSet != null) {
      set.write(writeSet);
      System.out.println("wrote the retrieval set to " + writeSet);
    }
    Path dir = indexDir != null ? indexDir : Files.createTempDirectory("medadapt-quality");
    try (Embedder e = embedderName.equals("hashing") ? new HashingEmbedder(384)
        : embedderName.equals("minilm-int8") ? OnnxEmbedder.allMiniLmL6V2Int8() : OnnxEmbedder.allMiniLmL6V2()) {
      long t0 = System.nanoTime();
      try (RagIndexWriter w = RagIndexWriter.builder(dir).embedder(e).progress(p -> {}).build()) {
        IndexReport r = w.index(Corpora.of(set.corpus(), "MedQuAD answers"), "medquad-answers");
        System.out.printf(Locale.ROOT, "indexed %,d answers (%,d resumed) with %s in %.1f s%n",
            r.chunksIndexed(), r.chunksResumed(), e.info().name(), (System.nanoTime() - t0) / 1e9);
      }
      try (RagIndex idx = RagIndex.open(dir)) {
        Retriever bm25 = Bm25Retriever.builder(idx).build();
        Retriever dense = DenseRetriever.builder(idx, e).build();
        System.out.printf(Locale.ROOT, "MedQuAD question->answer, %d queries, %d answers, embedder %s%n",
            set.queries().size(), set.corpus().size(), e.info().name());
        evaluate("bm25", bm25, set);
        evaluate("dense", dense, set);
        evaluate("hybrid rrf k=60", HybridRetriever.builder().add(bm25, 1).add(dense, 1).rrfK(60).build(), set);
        evaluate("hybrid rrf k=100", HybridRetriever.builder().add(bm25, 1).add(dense, 1).rrfK(100).build(), set);
        List<String> sample = new ArrayList<>(set.queries().values()).subList(0, Math.min(300, set.queries().size()));
        DenseRetriever hnsw = DenseRetriever.builder(idx, e).mode(DenseRetriever.Mode.HNSW).build();
        DenseRetriever exact = DenseRetriever.builder(idx, e).mode(DenseRetriever.Mode.EXACT).build();
        RagIndexBenchmark.latency("bm25 @" + idx.size(), bm25, sample);
        RagIndexBenchmark.latency("dense hnsw @" + idx.size(), hnsw, sample);
        RagIndexBenchmark.latency("dense exact @" + idx.size(), exact, sample);
        RagIndexBenchmark.latency("hybrid(hnsw) @" + idx.size(), HybridRetriever.builder().add(bm25, 1).add(hnsw, 1).build(), sample);
        System.out.printf(Locale.ROOT, "HNSW recall@10 vs exact (%s, %d queries): %.4f%n", e.info().name(), sample.size(), hnsw.hnswRecall(sample, 10));
        evaluate("dense hnsw", hnsw, set);
      }
    }
  }

  private static void evaluate(String name, Retriever r, MedQuadRetrievalSet set) {
    Map<String, List<RankedDoc>> run = new LinkedHashMap<>();
    long t0 = System.nanoTime();
    for (Map.Entry<String, String> q : set.queries().entrySet()) {
      List<Hit> hits = r.retrieve(q.getValue(), 10);
      List<RankedDoc> docs = new ArrayList<>();
      for (int i = 0; i < hits.size(); i++) {
        docs.add(new RankedDoc(hits.get(i).id(), i + 1, hits.get(i).score()));
      }
      run.put(q.getKey(), docs);
    }
    IrEvaluation ev = IrMetrics.evaluate(new TrecRun(run), set.qrels(), List.of(10));
    System.out.printf(Locale.ROOT, "%-18s nDCG@10 %.4f  recall@10 %.4f  MRR@10 %.4f  (%.1f s)%n",
        name, ev.mean().get("ndcg@10"), ev.mean().get("recall@10"), ev.mean().get("mrr@10"), (System.nanoTime() - t0) / 1e9);
  }

}
