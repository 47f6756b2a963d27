package dev.medadapt.eval.run;

import dev.medadapt.core.ConfigurationException;
import java.util.Locale;

/** How an {@link EvalRunner} turns a model into an answer letter. */
public enum ScoringMode {
  /** The model generates; an answer extractor reads the letter (unparsed answers count wrong). */
  GENERATE("generate"),
  /** The choice with the highest summed log-likelihood (lm-evaluation-harness {@code acc}). */
  LOGLIKELIHOOD("loglikelihood"),
  /** The choice with the highest log-likelihood per character (lm-evaluation-harness {@code acc_norm}). */
  LOGLIKELIHOOD_NORM("loglikelihood-norm");

  private final String label;

  ScoringMode(String label) {
    this.label = label;
  }

  /** The name in run metadata, records and on the command line. */
  public String label() {
    return label;
  }

  /** Scores by log-likelihood (no generation). */
  public boolean isLoglikelihood() {
    return this != GENERATE;
  }

  /** The mode named {@code name} ({@code generate}, {@code loglikelihood} or {@code loglikelihood-norm}). */
  public static ScoringMode forName(String name) {
    for (ScoringMode m : values()) {
      if (m.label.equals(name.strip().toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new ConfigurationException("scoring mode must be generate, loglikelihood or loglikelihood-norm, was \"" + name + "\"");
  }
}
