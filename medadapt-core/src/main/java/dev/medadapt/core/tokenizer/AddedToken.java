package dev.medadapt.core.tokenizer;

/**
 * A token from the {@code added_tokens} list of a Hugging Face {@code tokenizer.json}: matched as a
 * whole string before BPE runs (for example {@code <|im_start|>}).
 *
 * @param id token id
 * @param content the literal text of the token
 * @param special whether decoding with {@code skipSpecialTokens} drops it
 */
public record AddedToken(int id, String content, boolean special) {}
