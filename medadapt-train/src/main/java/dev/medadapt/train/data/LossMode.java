package dev.medadapt.train.data;

/** Which tokens of an SFT example contribute to the loss. */
public enum LossMode {
  /** Only completion tokens (and the appended EOS) are supervised; prompt tokens get label -100. */
  COMPLETION_ONLY,
  /**
   * Every token is supervised, prompt included: what the reference medical-o1 study did (a plain causal-LM
   * objective over the rendered text, as TRL's SFTTrainer does by default on a text field).
   */
  FULL_SEQUENCE
}
