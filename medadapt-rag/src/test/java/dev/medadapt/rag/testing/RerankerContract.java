package dev.medadapt.rag.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.rag.retrieve.Hit;
import dev.medadapt.rag.retrieve.Reranker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Reranker} promises: the best {@code k} of the given hits, best first by its own scores, each hit
 * keeping its id, title and text, and an order that does not depend on the order the candidates came in.
 */
public abstract class RerankerContract {
  private static final String QUERY = "what is the first line drug for type 2 diabetes ?";

  protected Reranker reranker;

  protected abstract Reranker create() throws Exception;

  @BeforeEach
  void open() throws Exception {
    reranker = create();
  }

  @AfterEach
  void closeReranker() {
    reranker.close();
  }

  private static List<Hit> candidates() {
    List<Hit> hits = new ArrayList<>();
    String[] texts = {
      "metformin is a first line therapy for type 2 diabetes .",
      "the cat sat on the mat .",
      "insulin lowers blood sugar .",
      "high blood pressure is a risk for the patient .",
      "cancer therapy with a drug ."};
    for (int i = 0; i < texts.length; i++) {
      hits.add(new Hit("d" + i, "title " + i, texts[i], 1.0 / (i + 1)));
    }
    return hits;
  }

  @Test
  void keepsTheBestKBestFirstWithTheirOwnText() {
    List<Hit> in = candidates();
    for (int k : new int[] {1, 3, in.size(), in.size() + 2}) {
      List<Hit> out = reranker.rerank(QUERY, in, k);
      assertThat(out).hasSize(Math.min(k, in.size()));
      for (int i = 0; i < out.size(); i++) {
        Hit h = out.get(i);
        Hit original = in.stream().filter(c -> c.id().equals(h.id())).findFirst().orElseThrow();
        assertThat(h.title()).isEqualTo(original.title());
        assertThat(h.content()).isEqualTo(original.content());
        assertThat(h.score()).isFinite();
        if (i > 0) {
          assertThat(h.score()).isLessThanOrEqualTo(out.get(i - 1).score());
        }
      }
    }
  }

  @Test
  void theOrderOfTheCandidatesDoesNotMatter() {
    List<Hit> in = candidates();
    List<String> ranked = reranker.rerank(QUERY, in, in.size()).stream().map(Hit::id).toList();
    List<Hit> shuffled = new ArrayList<>(in);
    Collections.reverse(shuffled);
    assertThat(reranker.rerank(QUERY, shuffled, in.size()).stream().map(Hit::id).toList()).isEqualTo(ranked);
  }

  @Test
  void noCandidatesNoHits() {
    assertThat(reranker.rerank(QUERY, List.of(), 3)).isEmpty();
  }
}
