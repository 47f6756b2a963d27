package dev.medadapt.rag.embed;

/** How token states become one sentence vector (sentence-transformers' {@code Pooling} modes we support). */
public enum Pooling {
  /** Average of the token states under the attention mask ({@code pooling_mode_mean_tokens}). */
  MEAN("mean"),
  /** The state of the first token, [CLS] ({@code pooling_mode_cls_token}; bge models). */
  CLS("cls");

  private final String id;

  Pooling(String id) {
    this.id = id;
  }

  /** The name stored in {@link EmbedderInfo#pooling()}. */
  public String id() {
    return id;
  }
}
