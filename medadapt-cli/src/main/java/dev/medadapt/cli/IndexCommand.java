package dev.medadapt.cli;

import dev.medadapt.rag.chunk.RecursiveCharacterSplitter;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.index.IndexReport;
import dev.medadapt.rag.index.RagIndexWriter;
import dev.medadapt.solr.CollectionNotFoundException;
import dev.medadapt.solr.SolrCollection;
import dev.medadapt.solr.SolrIndexWriter;
import dev.medadapt.solr.SolrTarget;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code medadapt index}: builds or extends a persistent BM25 + dense index. */
@Command(
    name = "index",
    mixinStandardHelpOptions = true,
    description = {
      "Index corpus files into a persistent Lucene index (BM25 + HNSW vectors, or BM25 only).",
      "Corpora: MedRAG JSONL (.jsonl/.jsonl.gz rows {id,title,content}), a folder of StatPearls .nxml files,"
          + " or a folder of .txt/.md files. Re-running continues an interrupted run and replaces chunks by id."
    })
public final class IndexCommand implements Callable<Integer> {

  @Option(names = "--corpus", required = true, split = ",", paramLabel = "FILE",
      description = "Corpus files or folders, comma-separated or repeated, indexed in order.")
  List<Path> corpus;

  @ArgGroup(exclusive = true, multiplicity = "1",
      heading = "Index: a local directory (created if missing) or a SolrCloud collection (created if missing)%n")
  RetrievalTarget target;

  @Option(names = "--shards", paramLabel = "N", defaultValue = "1", description = "Shards of a new SolrCloud collection (default ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--replicas", paramLabel = "M", defaultValue = "1", description = "Replicas of each shard of a new SolrCloud collection (default ${DEFAULT-VALUE}).")
  int replicas;

  @Option(names = "--embedder", paramLabel = "SPEC", defaultValue = "default", description = "Passage embedder: " + Embedders.HELP + ". Default: ${DEFAULT-VALUE}.")
  String embedder;

  @Option(names = "--bm25-only", description = "No vectors: BM25 fields only (fast, no embedder).")
  boolean bm25Only;

  @Option(names = "--bad-rows", paramLabel = "POLICY", defaultValue = "fail", description = "fail (default) or skip: what to do with an unreadable corpus row.")
  String badRows;

  @Option(names = "--split-longer-than", paramLabel = "CHARS", defaultValue = "0",
      description = "Split rows whose content is longer than CHARS with the recursive character splitter (overlap CHARS/5); 0 = keep rows whole (default).")
  int splitLongerThan;

  @Option(names = "--commit-every", paramLabel = "N", defaultValue = "50000", description = "Chunks between commits (default ${DEFAULT-VALUE}).")
  int commitEvery;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "64", description = "Passages per embedding call (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Override
  public Integer call() {
    if (target.index != null) {
      OutPaths.requireDirectory(target.index, "--index");
    }
    BadRowPolicy policy =
        switch (badRows.toLowerCase(Locale.ROOT)) {
          case "fail" -> BadRowPolicy.FAIL;
          case "skip" -> BadRowPolicy.SKIP_AND_COUNT;
          default -> throw new dev.medadapt.core.ConfigurationException("--bad-rows must be fail or skip, was \"" + badRows + "\"");
        };
    Embedder e = bm25Only ? null : Embedders.open(embedder);
    IndexReport r;
    String where;
    try (ProgressBar bar = ProgressBar.onStderr()) {
      String key = RagIndexWriter.sourceKey(corpus) + "split=" + splitLongerThan;
      if (target.index != null) {
        where = target.index.toString();
        RagIndexWriter.Builder b = RagIndexWriter.builder(target.index).progress(bar).commitEvery(commitEvery).batchSize(batchSize);
        if (bm25Only) {
          b.bm25Only();
        } else {
          b.embedder(e);
        }
        try (RagIndexWriter w = b.build();
            ChunkSource src = open(policy)) {
          r = w.index(src, key);
        }
      } else {
        SolrTarget t = target.solr.target();
        where = t.describe();
        try (SolrCollection c = openOrCreate(t, e);
            SolrIndexWriter w = SolrIndexWriter.builder(c).embedder(e).progress(bar).commitEvery(commitEvery)
                .batchSize(batchSize).build();
            ChunkSource src = open(policy)) {
          r = w.index(src, key);
        }
      }
    } finally {
      if (e != null) {
        e.close();
      }
    }
    System.out.printf(Locale.ROOT,
        "indexed %,d chunks in %.1f s (%,.0f chunks/s); %,d already committed by an earlier run; %,d bad rows skipped; %s now holds %,d documents%n",
        r.chunksIndexed(), r.elapsed().toNanos() / 1e9, r.chunksPerSecond(), r.chunksResumed(), r.badRowsSkipped(), where, r.documentsInIndex());
    if (r.duplicateIds() > 0) {
      System.out.printf(Locale.ROOT, "warning: %,d chunks repeated an id read earlier in this run and replaced that chunk (first: %s)%n",
          r.duplicateIds(), String.join(", ", r.firstDuplicateIds()));
    }
    return 0;
  }

  /** The collection, created with --shards x --replicas when it does not exist yet. */
  private SolrCollection openOrCreate(SolrTarget t, Embedder e) {
    try {
      return SolrCollection.open(t);
    } catch (CollectionNotFoundException missing) {
      SolrCollection.Creator c = SolrCollection.creator(t).shards(shards).replicas(replicas);
      return (e == null ? c.bm25Only() : c.embedder(e.info())).create();
    }
  }

  private ChunkSource open(BadRowPolicy policy) {
    ChunkSource src = Corpora.open(corpus, policy);
    if (splitLongerThan > 0) {
      src = Corpora.splitLong(src, RecursiveCharacterSplitter.builder().chunkSize(splitLongerThan).chunkOverlap(splitLongerThan / 5).build());
    }
    return src;
  }
}
