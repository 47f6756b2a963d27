package dev.medadapt.train;

import dev.medadapt.core.llm.TextTokenizer;
import java.nio.charset.StandardCharsets;

/** Test tokenizer: one token per UTF-8 byte (the scheme of testdata/models/qwen2-tiny-bytes-chat). */
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
