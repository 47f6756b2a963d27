package dev.medadapt.train.data;

import dev.medadapt.core.Ensure;
import dev.medadapt.core.llm.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Continual-pretraining packing as in Hugging Face's {@code run_clm.py} {@code group_texts}: every document is
 * encoded, followed by the EOS id, all are concatenated, and the stream is cut into blocks of exactly
 * {@code blockLength} tokens; the tail shorter than a block is dropped (counted in
 * {@link TokenizationStats#droppedTokens()}). Every token is a label.
 */
public final class CptEncoder {
  private final TextTokenizer tokenizer;
  private final int eosTokenId;
  private final int blockLength;

  private CptEncoder(TextTokenizer tokenizer, int eosTokenId, int blockLength) {
    this.tokenizer = tokenizer;
    this.eosTokenId = eosTokenId;
    this.blockLength = blockLength;
  }

  /** An encoder; blockLength in [2, 2^20]. */
  public static CptEncoder of(TextTokenizer tokenizer, int eosTokenId, int blockLength) {
    Ensure.notNull(tokenizer, "tokenizer");
    Ensure.between(eosTokenId, 0, Integer.MAX_VALUE, "eosTokenId");
    Ensure.between(blockLength, 2, 1 << 20, "blockLength");
    return new CptEncoder(tokenizer, eosTokenId, blockLength);
  }

  public TokenizedDataset encode(List<String> documents) {
    List<TokenizedSequence> blocks = new ArrayList<>();
    int[] buf = new int[blockLength];
    int n = 0;
    long tokens = 0;
    for (String doc : documents) {
      int[] ids = tokenizer.encode(doc);
      int[] withEos = Arrays.copyOf(ids, ids.length + 1);
      withEos[ids.length] = eosTokenId;
      tokens += withEos.length;
      int off = 0;
      while (off < withEos.length) {
        int take = Math.min(blockLength - n, withEos.length - off);
        System.arraycopy(withEos, off, buf, n, take);
        n += take;
        off += take;
        if (n == blockLength) {
          blocks.add(new TokenizedSequence(buf.clone(), buf.clone()));
          n = 0;
        }
      }
    }
    long kept = (long) blocks.size() * blockLength;
    long targets = (long) blocks.size() * (blockLength - 1);
    return new TokenizedDataset(
        blocks, new TokenizationStats(documents.size(), blocks.size(), 0, kept, targets, tokens - kept));
  }
}
