package dev.medadapt.eval.score;

import dev.medadapt.eval.bench.Question;

/** Reads the chosen option out of a model's raw generated text. */
public interface AnswerExtractor {

  Extraction extract(String output, Question question);
}
