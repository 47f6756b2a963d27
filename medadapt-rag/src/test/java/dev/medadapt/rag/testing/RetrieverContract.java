package dev.medadapt.rag.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Retriever;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Retriever} promises, written once; each implementation (local BM25, dense, hybrid, and the
 * integrations) extends it and says how to index {@link #CORPUS} and retrieve from it. At most k hits, best first,
 * distinct ids from the corpus with their own title and text, the same answer on every call and from many threads
 * at once, and k below 1 refused with a message that names k.
 */
public abstract class RetrieverContract {
  /** Twelve short passages on distinct topics, so that a topical query has one clearly best passage. */
  public static final List<Chunk> CORPUS = List.of(
      new Chunk("scurvy", "Scurvy", "Scurvy is caused by a lack of vitamin C (ascorbic acid) and impairs collagen."),
      new Chunk("metformin", "Metformin", "Metformin is the first-line drug for type 2 diabetes mellitus."),
      new Chunk("asthma", "Asthma", "Asthma is a chronic inflammatory disease of the airways with wheezing."),
      new Chunk("stroke", "Stroke", "An ischemic stroke is treated with thrombolysis within hours of onset."),
      new Chunk("anemia", "Iron deficiency anemia", "Iron deficiency anemia gives microcytic red blood cells."),
      new Chunk("sepsis", "Sepsis", "Sepsis is organ dysfunction caused by a dysregulated response to infection."),
      new Chunk("migraine", "Migraine", "Migraine headaches are throbbing, one-sided and come with nausea."),
      new Chunk("gout", "Gout", "Gout is arthritis from uric acid crystals, often in the big toe."),
      new Chunk("hypothyroidism", "Hypothyroidism", "Hypothyroidism causes fatigue, weight gain and cold intolerance."),
      new Chunk("appendicitis", "Appendicitis", "Appendicitis presents with pain moving to the right lower quadrant."),
      new Chunk("measles", "Measles", "Measles is a viral infection with fever, cough and a spreading rash."),
      new Chunk("rickets", "Rickets", "Rickets is softening of bones in children from vitamin D deficiency."));

  /** Queries whose best passage is unambiguous for lexical and semantic retrievers alike. */
  protected static final Map<String, String> TOPICAL = Map.of(
      "Which vitamin deficiency causes scurvy?", "scurvy",
      "first-line drug for type 2 diabetes metformin", "metformin",
      "uric acid crystals in the big toe gout", "gout");

  @TempDir protected Path tmp;

  protected Retriever retriever;

  /** Indexes {@code corpus} (under {@code dir}, if the implementation stores anything) and returns a retriever. */
  protected abstract Retriever create(List<Chunk> corpus, Path dir) throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    retriever = create(CORPUS, tmp);
  }

  @Test
  void returnsAtMostKDistinctCorpusHitsBestFirst() {
    Map<String, Chunk> byId = CORPUS.stream().collect(Collectors.toMap(Chunk::id, Function.identity()));
    for (String q : TOPICAL.keySet()) {
      for (int k : new int[] {1, 3, CORPUS.size(), CORPUS.size() + 5}) {
        List<Hit> hits = retriever.retrieve(q, k);
        assertThat(hits).as("%s, k=%d", q, k).hasSizeLessThanOrEqualTo(Math.min(k, CORPUS.size())).isNotEmpty();
        assertThat(new HashSet<>(hits.stream().map(Hit::id).toList())).hasSize(hits.size());
        for (int i = 0; i < hits.size(); i++) {
          Hit h = hits.get(i);
          Chunk c = byId.get(h.id());
          assertThat(c).as("hit id %s is a corpus id", h.id()).isNotNull();
          assertThat(h.title()).isEqualTo(c.title());
          assertThat(h.content()).isEqualTo(c.content());
          assertThat(h.score()).isFinite();
          if (i > 0) {
            assertThat(h.score()).as("scores best first").isLessThanOrEqualTo(hits.get(i - 1).score());
          }
        }
      }
    }
  }

  @Test
  void theTopicalPassageRanksFirst() {
    TOPICAL.forEach((q, id) -> assertThat(retriever.retrieve(q, 3).get(0).id()).as(q).isEqualTo(id));
  }

  @Test
  void aShorterListIsAPrefixOfALongerOne() {
    for (String q : TOPICAL.keySet()) {
      List<String> five = retriever.retrieve(q, 5).stream().map(Hit::id).toList();
      List<String> two = retriever.retrieve(q, 2).stream().map(Hit::id).toList();
      assertThat(five).startsWith(two.toArray(String[]::new));
    }
  }

  @Test
  void concurrentCallsAnswerAsSequentialOnes() throws Exception {
    List<String> queries = List.copyOf(TOPICAL.keySet());
    Map<String, List<Hit>> expected = queries.stream()
        .collect(Collectors.toMap(Function.identity(), q -> retriever.retrieve(q, 4)));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new java.util.ArrayList<>();
      for (int i = 0; i < 24; i++) {
        String q = queries.get(i % queries.size());
        results.add(pool.submit(() -> retriever.retrieve(q, 4).equals(expected.get(q))));
      }
      for (Future<Boolean> f : results) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void kBelowOneIsRefusedByName() {
    assertThatThrownBy(() -> retriever.retrieve("scurvy", 0))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("k");
  }
}
