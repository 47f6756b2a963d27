package dev.medadapt.core.model;

import dev.medadapt.core.testing.ByteTokenizer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.testing.TestResources;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LoglikelihoodScorerTest {
  private static Qwen2Model model;
  private static final ByteTokenizer TOK = new ByteTokenizer();

  @BeforeAll
  static void load() {
    model = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-bytes-chat"), Device.cpu(), Precision.FP32);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  /** Independent reference: one unpadded forward, log-softmax in double in Java. */
  private static double[] reference(int[] ctx, int[] cont) {
    long[] ids = new long[ctx.length + cont.length];
    for (int i = 0; i < ctx.length; i++) {
      ids[i] = ctx[i];
    }
    for (int i = 0; i < cont.length; i++) {
      ids[ctx.length + i] = cont[i];
    }
    try (NDManager m = model.manager().newSubManager()) {
      float[] logits = model.forward(m.create(new long[][] {ids})).toFloatArray();
      int v = model.config().vocabSize();
      double sum = 0;
      double greedy = 1;
      for (int i = 0; i < cont.length; i++) {
        int row = (ctx.length + i - 1) * v;
        double max = Double.NEGATIVE_INFINITY;
        int arg = -1;
        for (int j = 0; j < v; j++) {
          if (logits[row + j] > max) {
            max = logits[row + j];
            arg = j;
          }
        }
        double z = 0;
        for (int j = 0; j < v; j++) {
          z += Math.exp(logits[row + j] - max);
        }
        sum += logits[row + cont[i]] - max - Math.log(z);
        greedy = arg == cont[i] ? greedy : 0;
      }
      return new double[] {sum, greedy};
    }
  }

  @Test
  void batchedScoresEqualTheReferenceAndSpacesMoveToTheContinuation() {
    LoglikelihoodScorer scorer = new LoglikelihoodScorer(model, TOK, 256, 4096, 3);
    List<LoglikelihoodRequest> reqs = List.of(
        new LoglikelihoodRequest("Question: what lowers fever?\nAnswer:", " paracetamol"),
        new LoglikelihoodRequest("The capital of France is ", "Paris"),
        new LoglikelihoodRequest("", "hello"),
        new LoglikelihoodRequest("a", "b"),
        new LoglikelihoodRequest("Aspirin inhibits", " cyclooxygenase"));
    List<LoglikelihoodResult> got = scorer.score(reqs);
    // lm-eval _encode_pair: "... is " + "Paris" scores " Paris" after "... is".
    LoglikelihoodScorer.TokenPair moved = scorer.encode(reqs.get(1));
    assertThat(moved.continuation()).isEqualTo(TOK.encode(" Paris"));
    assertThat(scorer.encode(reqs.get(2)).context()).containsExactly(256);
    for (int i = 0; i < reqs.size(); i++) {
      LoglikelihoodScorer.TokenPair p = scorer.encode(reqs.get(i));
      double[] ref = reference(p.context(), p.continuation());
      assertThat(got.get(i).logLikelihood()).as("request %d", i).isCloseTo(ref[0], within(1e-4 * Math.abs(ref[0]) + 1e-4));
      assertThat(got.get(i).greedy()).isEqualTo(ref[1] == 1);
      assertThat(got.get(i).tokens()).isEqualTo(p.continuation().length);
      assertThat(got.get(i).logLikelihood()).isNegative();
    }
    // Batch size 1 gives the same numbers as batch size 3.
    List<LoglikelihoodResult> one = new LoglikelihoodScorer(model, TOK, 256, 4096, 1).score(reqs);
    for (int i = 0; i < reqs.size(); i++) {
      assertThat(one.get(i).logLikelihood()).isCloseTo(got.get(i).logLikelihood(), within(1e-4));
    }
  }

  @Test
  void sharedPrefixScoresEqualPerOptionScoresAndTheReference() {
    String q = "Question: a 60-year-old man has crushing chest pain. Which drug first?\nA. aspirin\nB. insulin\n"
        + "C. warfarin\nD. heparin\nAnswer:";
    List<LoglikelihoodRequest> reqs = new ArrayList<>();
    for (String option : List.of(" A", " B", " aspirin", " insulin given intravenously", " C", " heparin")) {
      reqs.add(new LoglikelihoodRequest(q, option));
    }
    reqs.add(new LoglikelihoodRequest("Another context", " alone")); // a context seen once
    List<LoglikelihoodResult> shared = new LoglikelihoodScorer(model, TOK, 256, 4096, 4, true).score(reqs);
    List<LoglikelihoodResult> perOption = new LoglikelihoodScorer(model, TOK, 256, 4096, 4, false).score(reqs);
    LoglikelihoodScorer enc = new LoglikelihoodScorer(model, TOK, 256, 4096, 1);
    for (int i = 0; i < reqs.size(); i++) {
      LoglikelihoodScorer.TokenPair p = enc.encode(reqs.get(i));
      double[] ref = reference(p.context(), p.continuation());
      assertThat(shared.get(i).logLikelihood()).as("request %d", i)
          .isCloseTo(perOption.get(i).logLikelihood(), within(1e-4))
          .isCloseTo(ref[0], within(1e-4 * Math.abs(ref[0]) + 1e-4));
      assertThat(shared.get(i).greedy()).isEqualTo(perOption.get(i).greedy()).isEqualTo(ref[1] == 1);
      assertThat(shared.get(i).tokens()).isEqualTo(p.continuation().length);
    }
    // The options did share the context tokens (so the shared path ran), with continuations of 2 to 28 tokens.
    assertThat(enc.encode(reqs.get(0)).context()).isEqualTo(enc.encode(reqs.get(3)).context());
    assertThat(enc.encode(reqs.get(3)).continuation().length).isGreaterThan(20);
  }

  /**
   * An FP16 model: the shared prefix's continuations (two tokens each, so one token per row after the context; and
   * longer ones) score as the whole prompts do, though decode steps of a few rows use PyTorch's float16 product.
   */
  @Test
  void float16SharedPrefixScoresEqualPerOptionScores() {
    String q = "Question: which vitamin deficiency causes scurvy?\nA. vitamin C\nB. vitamin D\nC. vitamin K\nAnswer:";
    try (Qwen2Model fp16 = Qwen2Model.load(TestResources.tinyModel("qwen2-tiny-bytes-chat"), Device.cpu(),
        Precision.FP16)) {
      for (List<String> options : List.of(List.of(" A", " B", " C"), List.of(" A", " vitamin C", " B", " vitamin D"))) {
        List<LoglikelihoodRequest> reqs = new ArrayList<>();
        for (String option : options) {
          reqs.add(new LoglikelihoodRequest(q, option));
        }
        List<LoglikelihoodResult> shared = new LoglikelihoodScorer(fp16, TOK, 256, 4096, 4, true).score(reqs);
        List<LoglikelihoodResult> perOption = new LoglikelihoodScorer(fp16, TOK, 256, 4096, 4, false).score(reqs);
        for (int i = 0; i < reqs.size(); i++) {
          assertThat(shared.get(i).logLikelihood()).as("%s, option %d", options, i)
              .isCloseTo(perOption.get(i).logLikelihood(), within(1e-4));
          assertThat(shared.get(i).greedy()).isEqualTo(perOption.get(i).greedy());
        }
      }
    }
  }

  @Test
  void greedyContinuationIsReportedGreedy() {
    int[] ctx = TOK.encode("Patient presents with");
    List<Integer> cont = new ArrayList<>();
    // Build the greedy continuation token by token from the reference forward.
    int[] cur = ctx.clone();
    for (int step = 0; step < 4; step++) {
      long[] ids = java.util.Arrays.stream(cur).asLongStream().toArray();
      try (NDManager m = model.manager().newSubManager()) {
        int next = (int) model.forward(m.create(new long[][] {ids})).get(0).get(ids.length - 1).argMax().getLong();
        cont.add(next);
        cur = java.util.Arrays.copyOf(cur, cur.length + 1);
        cur[cur.length - 1] = next;
      }
    }
    int[] contIds = cont.stream().mapToInt(Integer::intValue).toArray();
    LoglikelihoodScorer scorer = new LoglikelihoodScorer(model, TOK, 256, 4096, 2);
    List<LoglikelihoodResult> r = scorer.scoreTokens(List.of(
        new LoglikelihoodScorer.TokenPair(ctx, contIds),
        new LoglikelihoodScorer.TokenPair(ctx, new int[] {(contIds[0] + 1) % 256})));
    assertThat(r.get(0).greedy()).isTrue();
    assertThat(r.get(1).greedy()).isFalse();
  }

  @Test
  void truncatesFromTheLeftToMaxLength() {
    int[] ctx = TOK.encode("0123456789abcdef");
    int[] cont = TOK.encode("XYZ");
    LoglikelihoodResult r = new LoglikelihoodScorer(model, TOK, 256, 8, 1)
        .scoreTokens(List.of(new LoglikelihoodScorer.TokenPair(ctx, cont))).get(0);
    // Window = last 9 tokens; the model sees the last 6 context tokens then "XY".
    double[] ref = reference(java.util.Arrays.copyOfRange(ctx, ctx.length - 6, ctx.length), cont);
    assertThat(r.logLikelihood()).isCloseTo(ref[0], within(1e-4 * Math.abs(ref[0])));
  }
}
