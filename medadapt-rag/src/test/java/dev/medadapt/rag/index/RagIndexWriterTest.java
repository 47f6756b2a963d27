package dev.medadapt.rag.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.progress.Progress;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.rag.corpus.Corpora;
import dev.medadapt.rag.embed.EmbedderInfo;
import dev.medadapt.rag.embed.HashingEmbedder;
import dev.medadapt.rag.retrieve.Bm25Retriever;
import dev.medadapt.rag.retrieve.DenseRetriever;
import dev.medadapt.rag.retrieve.Hit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RagIndexWriterTest {
  @TempDir Path tmp;

  static IndexReport build(Path dir, List<Chunk> chunks, String key, RagIndexWriter.Builder b) {
    try (RagIndexWriter w = b.build()) {
      return w.index(TestCorpus.source(chunks), key);
    }
  }

  @Test
  void bm25IndexPersistsAcceptsIncrementalAddsAndReplacesById() {
    Path dir = tmp.resolve("idx");
    List<Chunk> first =
        List.of(
            new Chunk("a", "Hypertension", "High blood pressure is treated with thiazide diuretics."),
            new Chunk("b", "Asthma", "Inhaled corticosteroids control persistent asthma."));
    IndexReport r = build(dir, first, "k1", RagIndexWriter.builder(dir).bm25Only());
    assertThat(r.chunksIndexed()).isEqualTo(2);
    assertThat(r.documentsInIndex()).isEqualTo(2);
    // incremental add + replacement of "b"
    List<Chunk> second =
        List.of(
            new Chunk("c", "Diabetes", "Metformin is first-line therapy for type 2 diabetes."),
            new Chunk("b", "Asthma", "Short-acting beta agonists relieve acute asthma attacks."));
    r = build(dir, second, "k2", RagIndexWriter.builder(dir).bm25Only());
    assertThat(r.documentsInIndex()).isEqualTo(3);
    try (RagIndex index = RagIndex.open(dir)) {
      assertThat(index.size()).isEqualTo(3);
      assertThat(index.metadata().dense()).isFalse();
      Bm25Retriever bm25 = Bm25Retriever.builder(index).build();
      assertThat(bm25.retrieve("thiazide diuretics for blood pressure", 3).get(0).id()).isEqualTo("a");
      List<Hit> asthma = bm25.retrieve("asthma", 5);
      assertThat(asthma).hasSize(1);
      assertThat(asthma.get(0).content()).startsWith("Short-acting"); // replaced, not duplicated
      assertThat(bm25.retrieve("inhaled corticosteroids", 5)).isEmpty();
      assertThat(bm25.retrieve("the of and", 5)).isEmpty(); // stop words only
      // stemming: "treating" matches "treated"
      assertThat(bm25.retrieve("treating", 5)).extracting(Hit::id).containsExactly("a");
    }
  }

  @Test
  void idsRepeatedWithinOneRunAreCountedAndNamed() {
    List<Chunk> chunks =
        List.of(
            new Chunk("x1", "t", "first"), new Chunk("x2", "t", "second"), new Chunk("x1", "t", "first again"),
            new Chunk("x3", "t", "third"), new Chunk("x2", "t", "second again"), new Chunk("x1", "t", "third time"));
    // fresh index (addDocument fast path) and an index that already holds documents (updateDocument)
    for (String name : List.of("fresh", "extended")) {
      Path dir = tmp.resolve(name);
      if (name.equals("extended")) {
        build(dir, List.of(new Chunk("old", "t", "kept")), "k0", RagIndexWriter.builder(dir).bm25Only());
      }
      IndexReport r = build(dir, chunks, "k", RagIndexWriter.builder(dir).bm25Only());
      assertThat(r.chunksIndexed()).as(name).isEqualTo(6);
      assertThat(r.duplicateIds()).as(name).isEqualTo(3);
      assertThat(r.firstDuplicateIds()).as(name).containsExactly("x1", "x2", "x1");
      assertThat(r.documentsInIndex()).as(name).isEqualTo(name.equals("fresh") ? 3 : 4);
    }
    // a run without repeats reports none, and re-running over the same input (replacing by id) is no repeat
    Path clean = tmp.resolve("clean");
    assertThat(build(clean, TestCorpus.chunks(10, 2), "k", RagIndexWriter.builder(clean).bm25Only()).duplicateIds()).isZero();
    assertThat(build(clean, TestCorpus.chunks(10, 2), "k2", RagIndexWriter.builder(clean).bm25Only()).duplicateIds()).isZero();
  }

  @Test
  void duplicateIdsStopBeingTrackedAtTheLimit() {
    DuplicateIds ids = new DuplicateIds(3);
    assertThat(ids.add("a")).isTrue();
    assertThat(ids.add("a")).isFalse();
    assertThat(ids.add("b")).isTrue();
    assertThat(ids.add("c")).isTrue();
    assertThat(ids.complete()).isFalse();
    assertThat(ids.add("d")).isFalse(); // unknown from here on: callers replace by id
    assertThat(ids.count()).isEqualTo(1);
    assertThat(ids.describe()).startsWith("1 chunk repeated an id").contains("(first: a)").contains("after the first 3");
  }

  @Test
  void denseIndexReopensWithoutReEmbeddingAndRecordsTheEmbedder() throws Exception {
    Path dir = tmp.resolve("dense");
    List<Chunk> chunks = TestCorpus.chunks(300, 1);
    CountingEmbedder e = new CountingEmbedder(new HashingEmbedder(64));
    IndexReport r = build(dir, chunks, "k", RagIndexWriter.builder(dir).embedder(e).batchSize(32));
    assertThat(r.chunksIndexed()).isEqualTo(300);
    assertThat(e.passages.get()).isEqualTo(300);
    String json = Files.readString(dir.resolve(IndexMetadata.FILE_NAME));
    assertThat(json).contains("\"format\" : 1").contains("hashing-bow-v1").contains("\"dimension\" : 64").contains("DOT_PRODUCT");

    CountingEmbedder e2 = new CountingEmbedder(new HashingEmbedder(64));
    try (RagIndex index = RagIndex.open(dir)) {
      assertThat(index.metadata().embedder()).isEqualTo(e2.info());
      DenseRetriever dense = DenseRetriever.builder(index, e2).build();
      Chunk target = chunks.get(123);
      List<Hit> hits = dense.retrieve(target.contents(), 3);
      assertThat(hits.get(0).id()).isEqualTo("doc123");
      assertThat(hits.get(0).score()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5)); // (1 + cos) / 2
    }
    assertThat(e2.passages.get()).isZero();
    assertThat(e2.queries.get()).isEqualTo(1);

    // same input again: everything was committed, nothing is embedded again
    IndexReport again = build(dir, chunks, "k", RagIndexWriter.builder(dir).embedder(e2));
    assertThat(again.chunksIndexed()).isZero();
    assertThat(again.chunksResumed()).isEqualTo(300);
    assertThat(e2.passages.get()).isZero();
  }

  @Test
  void mismatchedEmbeddersAreRefused() {
    Path dir = tmp.resolve("m");
    build(dir, TestCorpus.chunks(20, 2), "k", RagIndexWriter.builder(dir).embedder(new HashingEmbedder(64)));
    try (RagIndex index = RagIndex.open(dir)) {
      assertThatThrownBy(() -> DenseRetriever.builder(index, new HashingEmbedder(32)).build())
          .isInstanceOf(ConfigurationException.class)
          .hasMessage(dir + ": query embedder hashing-bow-v1 (dimension 32, normalized, none pooling) does not match"
              + " the index's passage embedder hashing-bow-v1 (dimension 64, normalized, none pooling)");
    }
    assertThatThrownBy(() -> RagIndexWriter.builder(dir).embedder(new HashingEmbedder(32)).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("the index was built with embedder hashing-bow-v1 (dimension 64");
    assertThatThrownBy(() -> RagIndexWriter.builder(dir).bm25Only().build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("but this run uses none (BM25 only)");
    Path bm = tmp.resolve("bm");
    build(bm, TestCorpus.chunks(5, 2), "k", RagIndexWriter.builder(bm).bm25Only());
    try (RagIndex index = RagIndex.open(bm)) {
      assertThatThrownBy(() -> DenseRetriever.builder(index, new HashingEmbedder(64)).build())
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("BM25-only");
    }
  }

  @Test
  void embeddingDimensionMismatchFailsAndKeepsWhatWasCommitted() {
    Path dir = tmp.resolve("dim");
    HashingEmbedder h = new HashingEmbedder(16);
    AtomicInteger calls = new AtomicInteger();
    CountingEmbedder broken =
        new CountingEmbedder(h, 0, v -> calls.incrementAndGet() > 100 ? Arrays.copyOf(v, 8) : v, h.info());
    assertThatThrownBy(
            () -> build(dir, TestCorpus.chunks(200, 3), "k", RagIndexWriter.builder(dir).embedder(broken).batchSize(10).commitEvery(20)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage("embedding dimension mismatch: embedder hashing-bow-v1 declares dimension 16 but returned 8 values for chunk doc100");
    try (RagIndex index = RagIndex.open(dir)) {
      // batches of 10: 100 good vectors, commits every >= 20 written chunks; the batch being
      // embedded when the failure surfaced was never written
      assertThat(index.size()).isBetween(60, 100);
    }
    // restart with a good embedder resumes and completes
    IndexReport r = build(dir, TestCorpus.chunks(200, 3), "k", RagIndexWriter.builder(dir).embedder(h));
    assertThat(r.chunksResumed()).isBetween(60L, 100L);
    assertThat(r.documentsInIndex()).isEqualTo(200);
  }

  @Test
  void commitIntervalBoundsLostWorkWhenChunkCountsAreLarge() {
    Path dir = tmp.resolve("interval");
    HashingEmbedder h = new HashingEmbedder(16);
    AtomicInteger calls = new AtomicInteger();
    CountingEmbedder failsLate =
        new CountingEmbedder(h, 0, v -> { if (calls.incrementAndGet() > 50) { throw new ModelFormatException("embedder crashed"); } return v; }, h.info());
    // commitEvery alone would never commit here; a zero interval commits after every written batch
    assertThatThrownBy(
            () -> build(dir, TestCorpus.chunks(100, 8), "k",
                RagIndexWriter.builder(dir).embedder(failsLate).batchSize(10).commitEvery(1_000_000).commitInterval(java.time.Duration.ZERO)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage("embedder crashed");
    try (RagIndex index = RagIndex.open(dir)) {
      assertThat(index.size()).isBetween(30, 50);
    }
    assertThatThrownBy(() -> RagIndexWriter.builder(dir).bm25Only().commitInterval(java.time.Duration.ofSeconds(-1)).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("commitInterval must be >= 0, was PT-1S");
  }

  @Test
  void unnormalizedVectorsFromANormalizedEmbedderAreRefused() {
    Path dir = tmp.resolve("norm");
    HashingEmbedder h = new HashingEmbedder(16);
    CountingEmbedder scaled = new CountingEmbedder(h, 0, v -> { float[] c = v.clone(); c[0] += 2; return c; }, h.info());
    assertThatThrownBy(() -> build(dir, TestCorpus.chunks(3, 3), "k", RagIndexWriter.builder(dir).embedder(scaled)))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("declares normalized vectors but returned |v| =");
  }

  @Test
  void secondWriterIsRefusedWhileTheFirstKeepsWorking() {
    Path dir = tmp.resolve("lock");
    try (RagIndexWriter first = RagIndexWriter.builder(dir).bm25Only().build()) {
      assertThatThrownBy(() -> RagIndexWriter.builder(dir).bm25Only().build())
          .isInstanceOf(IndexLockedException.class)
          .hasMessageStartingWith(dir.resolve("write.lock") + ": the index is locked by another writer");
      first.index(TestCorpus.source(TestCorpus.chunks(10, 4)), "k");
    }
    try (RagIndex index = RagIndex.open(dir)) {
      assertThat(index.size()).isEqualTo(10);
    }
  }

  @Test
  void corruptedIndexIsAClearErrorAndNotModified() throws Exception {
    Path dir = tmp.resolve("corrupt");
    build(dir, TestCorpus.chunks(50, 5), "k", RagIndexWriter.builder(dir).bm25Only());
    Path si;
    try (var files = Files.list(dir)) {
      si = files.filter(p -> p.getFileName().toString().endsWith(".si")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(si);
    bytes[bytes.length / 2] ^= 0x5A; // flip bits in the middle: the footer checksum no longer matches
    Files.write(si, bytes);
    List<String> before = listing(dir);
    assertThatThrownBy(() -> RagIndex.open(dir))
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(dir + ": the index is corrupted or incomplete")
        .hasMessageContaining(si.getFileName().toString());
    assertThatThrownBy(() -> RagIndexWriter.builder(dir).bm25Only().build())
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(si.getFileName().toString());
    assertThat(listing(dir)).isEqualTo(before);
    assertThat(Files.readAllBytes(si)).isEqualTo(bytes);
  }

  @Test
  void missingOrForeignIndexIsAClearError() {
    Path none = tmp.resolve("none");
    assertThatThrownBy(() -> RagIndex.open(none)).isInstanceOf(DataFormatException.class).hasMessage(none + ": index directory not found");
    Path empty = tmp.resolve("emptydir");
    try {
      Files.createDirectories(empty);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThatThrownBy(() -> RagIndex.open(empty)).isInstanceOf(DataFormatException.class).hasMessageContaining("no index found");
  }

  @Test
  void emptyCorpusIsAnErrorAndLeavesTheIndexAsItWas() throws Exception {
    Path dir = tmp.resolve("empty");
    build(dir, TestCorpus.chunks(7, 6), "k", RagIndexWriter.builder(dir).bm25Only());
    Path emptyFile = tmp.resolve("empty.jsonl");
    Files.writeString(emptyFile, "\n");
    try (RagIndexWriter w = RagIndexWriter.builder(dir).bm25Only().build();
        var src = Corpora.open(List.of(emptyFile), BadRowPolicy.FAIL)) {
      assertThatThrownBy(() -> w.index(src, "other"))
          .isInstanceOf(DataFormatException.class)
          .hasMessageContaining("the corpus is empty: no chunks were read from " + emptyFile);
    }
    try (RagIndex index = RagIndex.open(dir)) {
      assertThat(index.size()).isEqualTo(7);
    }
  }

  @Test
  void metadataFileIsRestoredFromTheCommitAndProgressIsReported() throws Exception {
    Path dir = tmp.resolve("meta");
    List<Progress> events = Collections.synchronizedList(new ArrayList<>());
    build(dir, TestCorpus.chunks(500, 7), "k", RagIndexWriter.builder(dir).bm25Only().progress(events::add));
    assertThat(events).isNotEmpty();
    Progress last = events.get(events.size() - 1);
    assertThat(last.done()).isEqualTo(500);
    assertThat(last.unit()).isEqualTo("chunks");
    assertThat(last.ratePerSecond()).isPositive();
    Files.delete(dir.resolve(IndexMetadata.FILE_NAME));
    try (RagIndex index = RagIndex.open(dir)) {
      assertThat(index.metadata().analyzer()).isEqualTo(AnalyzerSettings.english());
    }
    assertThat(dir.resolve(IndexMetadata.FILE_NAME)).exists();
  }

  @Test
  void analyzerSettingsAreRecordedAndMustMatch() {
    Path dir = tmp.resolve("an");
    AnalyzerSettings plain = new AnalyzerSettings("none", false);
    build(dir, List.of(new Chunk("x", "", "The treated patients")), "k", RagIndexWriter.builder(dir).bm25Only().analyzer(plain));
    try (RagIndex index = RagIndex.open(dir)) {
      assertThat(index.metadata().analyzer()).isEqualTo(plain);
      Bm25Retriever bm25 = Bm25Retriever.builder(index).build();
      assertThat(bm25.retrieve("treating", 5)).isEmpty(); // no stemming
      assertThat(bm25.retrieve("the", 5)).hasSize(1); // stop words kept
    }
    assertThatThrownBy(() -> RagIndexWriter.builder(dir).bm25Only().build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("analyzer");
    assertThatThrownBy(() -> new AnalyzerSettings("snowball", true)).isInstanceOf(ConfigurationException.class);
  }

  private static List<String> listing(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void freshIndexFastPathStillReplacesIdsRepeatedWithinOneRun() {
    Path dir = tmp.resolve("fresh-dups");
    List<Chunk> chunks = new ArrayList<>(TestCorpus.chunks(120, 11));
    // ids repeated inside one run on an empty index: the later chunk wins, nothing is duplicated
    chunks.add(50, new Chunk("doc7", "Gout", "Allopurinol lowers uric acid in gout."));
    chunks.add(new Chunk("doc100", "Gout flare", "Colchicine treats an acute gout flare."));
    chunks.add(new Chunk("doc7", "Gout", "Febuxostat is an alternative to allopurinol."));
    IndexReport r = build(dir, chunks, "k", RagIndexWriter.builder(dir).bm25Only().batchSize(16));
    assertThat(r.chunksIndexed()).isEqualTo(123);
    assertThat(r.documentsInIndex()).isEqualTo(120);
    try (RagIndex index = RagIndex.open(dir)) {
      Bm25Retriever bm25 = Bm25Retriever.builder(index).build();
      assertThat(bm25.retrieve("febuxostat", 5)).extracting(Hit::id).containsExactly("doc7");
      assertThat(bm25.retrieve("allopurinol uric", 5)).extracting(Hit::id).containsExactly("doc7");
      assertThat(bm25.retrieve("allopurinol uric", 5).get(0).content()).startsWith("Febuxostat");
      assertThat(bm25.retrieve("colchicine", 5)).extracting(Hit::id).containsExactly("doc100");
    }
    // a second run over a non-empty index replaces by id (the updateDocument path)
    build(dir, List.of(new Chunk("doc7", "Gout", "Probenecid increases uric acid excretion.")), "k2",
        RagIndexWriter.builder(dir).bm25Only());
    try (RagIndex index = RagIndex.open(dir)) {
      assertThat(index.size()).isEqualTo(120);
      Bm25Retriever bm25 = Bm25Retriever.builder(index).build();
      assertThat(bm25.retrieve("febuxostat", 5)).isEmpty();
      assertThat(bm25.retrieve("probenecid", 5)).extracting(Hit::id).containsExactly("doc7");
    }
  }

  @Test
  void contentsScoresEqualBm25OverTheConcatenatedTextAndContentIsAnOptionalField() throws Exception {
    Path dir = tmp.resolve("fields");
    List<Chunk> chunks = TestCorpus.chunks(400, 12);
    build(dir, chunks, "k", RagIndexWriter.builder(dir).bm25Only());
    // reference: plain Lucene, one "contents" field holding the string title + ". " + content
    Path ref = tmp.resolve("ref");
    try (org.apache.lucene.store.FSDirectory d = org.apache.lucene.store.FSDirectory.open(ref);
        org.apache.lucene.index.IndexWriter w =
            new org.apache.lucene.index.IndexWriter(d, new org.apache.lucene.index.IndexWriterConfig(AnalyzerSettings.english().plainAnalyzer()))) {
      for (Chunk c : chunks) {
        org.apache.lucene.document.Document doc = new org.apache.lucene.document.Document();
        doc.add(new org.apache.lucene.document.StringField("id", c.id(), org.apache.lucene.document.Field.Store.YES));
        doc.add(new org.apache.lucene.document.TextField("contents", c.contents(), org.apache.lucene.document.Field.Store.NO));
        w.addDocument(doc);
      }
    }
    try (RagIndex index = RagIndex.open(dir);
        org.apache.lucene.index.DirectoryReader refReader = org.apache.lucene.index.DirectoryReader.open(org.apache.lucene.store.FSDirectory.open(ref))) {
      org.apache.lucene.search.IndexSearcher refSearcher = new org.apache.lucene.search.IndexSearcher(refReader);
      refSearcher.setSimilarity(new org.apache.lucene.search.similarities.BM25Similarity(0.9f, 0.4f));
      org.apache.lucene.index.StoredFields refStored = refSearcher.storedFields();
      Bm25Retriever contents = Bm25Retriever.builder(index).build();
      for (String q : List.of("insulin glucose diabetes", "title kidney", "fever cough infection antibiotic", "tumor 17")) {
        List<Hit> ours = contents.retrieve(q, 10);
        org.apache.lucene.search.BooleanQuery.Builder bq = new org.apache.lucene.search.BooleanQuery.Builder();
        try (var ts = AnalyzerSettings.english().plainAnalyzer().tokenStream("contents", q)) {
          var term = ts.addAttribute(org.apache.lucene.analysis.tokenattributes.CharTermAttribute.class);
          ts.reset();
          while (ts.incrementToken()) {
            bq.add(new org.apache.lucene.search.TermQuery(new org.apache.lucene.index.Term("contents", term.toString())),
                org.apache.lucene.search.BooleanClause.Occur.SHOULD);
          }
          ts.end();
        }
        org.apache.lucene.search.ScoreDoc[] top = refSearcher.search(bq.build(), 10).scoreDocs;
        assertThat(ours).as(q).hasSize(top.length);
        for (int i = 0; i < top.length; i++) {
          // same terms, same field length: the very same BM25 score
          assertThat(ours.get(i).score()).as(q + " rank " + (i + 1)).isEqualTo(top[i].score);
          assertThat(ours.get(i).id()).as(q + " rank " + (i + 1)).isEqualTo(refStored.document(top[i].doc).get("id"));
        }
      }
      assertThat(Bm25Retriever.builder(index).field(IndexFields.TITLE).build().retrieve("title 17", 3).get(0).id()).isEqualTo("doc17");
      assertThat(index.isBm25Field(IndexFields.CONTENT)).isFalse();
      assertThatThrownBy(() -> Bm25Retriever.builder(index).field(IndexFields.CONTENT).build())
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("field content is not a BM25 field of this index (build it with contentField(true)");
    }
    // content as a BM25 field of its own, on request
    Path withContent = tmp.resolve("with-content");
    build(withContent, chunks, "k", RagIndexWriter.builder(withContent).bm25Only().contentField(true));
    try (RagIndex index = RagIndex.open(withContent)) {
      assertThat(index.isBm25Field(IndexFields.CONTENT)).isTrue();
      Bm25Retriever content = Bm25Retriever.builder(index).field(IndexFields.CONTENT).build();
      assertThat(content.retrieve("title", 3)).isEmpty(); // "Title" appears only in titles
      assertThat(content.retrieve(chunks.get(5).content(), 1).get(0).id()).isEqualTo("doc5");
      assertThat(Bm25Retriever.builder(index).build().retrieve("title 17", 1).get(0).id()).isEqualTo("doc17");
    }
  }

  @Test
  void hnswOptionsAreValidatedAndUsed() {
    Path dir = tmp.resolve("hnsw");
    assertThatThrownBy(() -> RagIndexWriter.builder(dir).embedder(new HashingEmbedder(16)).hnswMaxConn(1).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("hnswMaxConn must be in [2, 512], was 1");
    assertThatThrownBy(() -> RagIndexWriter.builder(dir).embedder(new HashingEmbedder(16)).hnswBeamWidth(0).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("hnswBeamWidth must be in [1, 3200], was 0");
    assertThatThrownBy(() -> RagIndexWriter.builder(dir).embedder(new HashingEmbedder(16)).hnswBeamWidth(3201).build())
        .isInstanceOf(ConfigurationException.class);
    List<Chunk> chunks = TestCorpus.chunks(300, 13);
    build(dir, chunks, "k", RagIndexWriter.builder(dir).embedder(new HashingEmbedder(64)).hnswMaxConn(32).hnswBeamWidth(200));
    try (RagIndex index = RagIndex.open(dir)) {
      DenseRetriever hnsw = DenseRetriever.builder(index, new HashingEmbedder(64)).mode(DenseRetriever.Mode.HNSW).build();
      List<String> queries = chunks.subList(0, 30).stream().map(Chunk::contents).toList();
      assertThat(hnsw.hnswRecall(queries, 10)).isGreaterThanOrEqualTo(0.95);
    }
  }
}
