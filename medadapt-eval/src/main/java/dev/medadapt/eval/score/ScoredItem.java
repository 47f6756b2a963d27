package dev.medadapt.eval.score;

/**
 * One question's outcome when scoring generated text.
 *
 * @param id question id
 * @param answer the correct letter
 * @param extraction what was read from the first response (null when there was no response)
 * @param status how the item was scored
 */
public record ScoredItem(String id, String answer, Extraction extraction, Status status) {

  /** How an item was scored; everything but {@link #CORRECT} counts as wrong. */
  public enum Status {
    CORRECT,
    WRONG,
    /** No letter could be read (reasoning extractor); counted wrong. */
    UNPARSED,
    /** No prediction for this question id; counted wrong. */
    MISSING,
    /** The prediction's response list was empty; counted wrong (as MIRAGE does). */
    EMPTY
  }

  public boolean correct() {
    return status == Status.CORRECT;
  }
}
