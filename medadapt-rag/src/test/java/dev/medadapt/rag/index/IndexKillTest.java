package dev.medadapt.rag.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.ChunkSource;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.embed.HashingEmbedder;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A writer killed with SIGKILL mid-run, then restarted, ends with every chunk exactly once. */
class IndexKillTest {
  @TempDir Path tmp;

  @Test
  void killedRunResumesAndEndsWithEveryChunkExactlyOnce() throws Exception {
    int n = 600;
    List<Chunk> chunks = TestCorpus.chunks(n, 11);
    Path corpus = TestCorpus.writeJsonl(tmp.resolve("corpus.jsonl"), chunks);
    // tmpfs when available: this test is about process death, and each of its ~20 commits costs
    // ~0.5 s of fsync on the shared CI disk.
    Path shm = Path.of("/dev/shm");
    Path base = java.nio.file.Files.isDirectory(shm) && java.nio.file.Files.isWritable(shm)
        ? java.nio.file.Files.createTempDirectory(shm, "medadapt-kill-test")
        : tmp;
    try {
      run(chunks, corpus, base.resolve("idx"));
    } finally {
      if (base != tmp) {
        try (var walk = java.nio.file.Files.walk(base)) {
          walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  private void run(List<Chunk> chunks, Path corpus, Path dir) throws Exception {
    int n = chunks.size();
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), KillableIndexMain.class.getName(),
                dir.toString(), corpus.toString(), "30")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("child.log").toFile())
            .start();
    long committedAtKill = -1;
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline && child.isAlive()) {
        long pos = committedPosition(dir);
        if (pos >= 150) {
          child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no rollback, no close
          committedAtKill = pos;
          break;
        }
        Thread.sleep(20);
      }
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(committedAtKill).as("child log: %s", java.nio.file.Files.readString(tmp.resolve("child.log"))).isBetween(150L, n - 1L);
    assertThat(child.exitValue()).isEqualTo(137); // 128 + SIGKILL: it really was killed mid-run

    long before = committedPosition(dir);
    HashingEmbedder h = new HashingEmbedder(32);
    CountingEmbedder e = new CountingEmbedder(h);
    IndexReport r;
    try (RagIndexWriter w = RagIndexWriter.builder(dir).embedder(e).batchSize(10).commitEvery(50).build();
        ChunkSource src = Corpora.open(List.of(corpus), BadRowPolicy.FAIL)) {
      r = w.index(src, RagIndexWriter.sourceKey(List.of(corpus)));
    }
    assertThat(r.chunksResumed()).isEqualTo(before);
    assertThat(r.chunksIndexed()).isEqualTo(n - before);
    assertThat(e.passages.get()).isEqualTo(n - before); // nothing committed was embedded again

    try (Directory d = FSDirectory.open(dir);
        DirectoryReader reader = DirectoryReader.open(d)) {
      assertThat(reader.numDocs()).isEqualTo(n);
      Set<String> ids = new HashSet<>();
      StoredFields sf = reader.storedFields();
      var live = org.apache.lucene.index.MultiBits.getLiveDocs(reader);
      for (int doc = 0; doc < reader.maxDoc(); doc++) {
        if (live == null || live.get(doc)) {
          assertThat(ids.add(sf.document(doc).get(IndexFields.ID))).isTrue();
        }
      }
      Set<String> expected = new HashSet<>();
      chunks.forEach(c -> expected.add(c.id()));
      assertThat(ids).isEqualTo(expected);
    }
  }

  private static long committedPosition(Path dir) {
    try (Directory d = FSDirectory.open(dir)) {
      if (!DirectoryReader.indexExists(d)) {
        return 0;
      }
      List<IndexCommit> commits = DirectoryReader.listCommits(d);
      Map<String, String> data = commits.get(commits.size() - 1).getUserData();
      return Long.parseLong(data.getOrDefault(RagIndexWriter.KEY_POSITION, "0"));
    } catch (Exception e) {
      return 0; // the child may be mid-commit; poll again
    }
  }
}
