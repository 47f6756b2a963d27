package dev.medadapt.rag.index;

import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.embed.HashingEmbedder;
import java.nio.file.Path;
import java.util.List;

/**
 * Child-JVM entry point for {@link IndexKillTest}: indexes a corpus slowly (a sleeping embedder)
 * with frequent commits, so the test can kill it with SIGKILL mid-run.
 */
public final class KillableIndexMain {
  private KillableIndexMain() {}

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    Path corpus = Path.of(args[1]);
    long sleepMs = Long.parseLong(args[2]);
    HashingEmbedder h = new HashingEmbedder(32);
    try (RagIndexWriter w =
            RagIndexWriter.builder(dir)
                .embedder(new CountingEmbedder(h, sleepMs, v -> v, h.info()))
                .batchSize(10)
                .commitEvery(50)
                .build();
        ChunkSource src = Corpora.open(List.of(corpus), BadRowPolicy.FAIL)) {
      IndexReport r = w.index(src, RagIndexWriter.sourceKey(List.of(corpus)));
      System.out.println("done " + r.chunksIndexed());
    }
  }
}
