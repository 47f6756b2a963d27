package dev.medadapt.core.llm;

import java.util.List;

/** Text to token ids and back, as a model sees it. */
public interface TextTokenizer {

  /** Token ids of {@code text}, without special tokens added around it. */
  int[] encode(String text);

  /** Text of {@code ids}; special tokens are dropped when {@code skipSpecialTokens}. */
  String decode(int[] ids, boolean skipSpecialTokens);

  /** Number of tokens of {@code text}. */
  default int countTokens(String text) {
    return encode(text).length;
  }

  /** Token ids of several texts. */
  default List<int[]> encodeBatch(List<String> texts) {
    return texts.stream().map(this::encode).toList();
  }
}
