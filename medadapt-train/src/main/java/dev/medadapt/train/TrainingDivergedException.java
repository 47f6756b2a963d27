package dev.medadapt.train;

import dev.medadapt.core.MedAdaptException;

/**
 * Training produced a NaN or infinite loss or gradient norm. The message names the step and micro-batch and the
 * last good checkpoint, which is kept.
 */
public class TrainingDivergedException extends MedAdaptException {
  private static final long serialVersionUID = 1L;

  public TrainingDivergedException(String message) {
    super(message);
  }
}
