package dev.medadapt.core.testing;

import dev.medadapt.core.llm.TextTokenizer;
import java.nio.charset.StandardCharsets;

/** Test tokenizer: UTF-8 byte b is token b (the layout of the qwen2-tiny-bytes-chat fixture). */
public final class ByteTokenizer implements TextTokenizer {
  @Override
  public int[] encode(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    int[] ids = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      ids[i] = b[i] & 0xff;
    }
    return ids;
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    byte[] b = new byte[ids.length];
    int n = 0;
    for (int id : ids) {
      if (id < 256) {
        b[n++] = (byte) id;
      }
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }
}
