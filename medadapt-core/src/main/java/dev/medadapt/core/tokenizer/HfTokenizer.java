package dev.medadapt.core.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.llm.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer (byte-level BPE for the Qwen2 family), backed by
 * the Rust {@code tokenizers} library through DJL.
 *
 * <pre>{@code
 * try (HfTokenizer tok = HfTokenizer.load(Path.of("models/DeepSeek-R1-Distill-Qwen-1.5B"))) {
 *   int[] ids = tok.encode("Hello, my dog is cute");      // [9707, 11, 847, 5562, 374, 18838]
 *   String text = tok.decode(ids, false);
 * }
 * }</pre>
 *
 * <p>{@link #encode(String)} adds no special tokens (the post-processor's BOS/EOS), which is what
 * chat-template rendered prompts need; {@link #encode(String, boolean)} lets the caller ask for them.
 * Added tokens written literally in the text (such as {@code <|im_end|>}) are always recognised, as in
 * Hugging Face. DJL's wrapper does not expose the vocabulary, so it is read from the same file with a
 * streaming JSON parser on first use of a vocabulary method.
 *
 * <p>Thread-safe: the native tokenizer is immutable after loading. Close it to free native memory.
 */
public final class HfTokenizer implements TextTokenizer, AutoCloseable {
  private static final String FILE_NAME = "tokenizer.json";

  private final Path file;
  private final HuggingFaceTokenizer tokenizer;
  /** Read on first use: parsing the vocabulary costs as much as loading the tokenizer. */
  private volatile Vocab vocab;

  private HfTokenizer(Path file, HuggingFaceTokenizer tokenizer) {
    this.file = file;
    this.tokenizer = tokenizer;
  }

  /**
   * Loads {@code tokenizer.json} from a model directory, or the given file itself.
   *
   * @throws ModelFormatException when the file is absent or not a valid tokenizer.json (the message
   *     names the path)
   */
  public static HfTokenizer load(Path modelDirOrTokenizerJson) {
    Ensure.notNull(modelDirOrTokenizerJson, "modelDirOrTokenizerJson");
    Path file =
        Files.isDirectory(modelDirOrTokenizerJson)
            ? modelDirOrTokenizerJson.resolve(FILE_NAME)
            : modelDirOrTokenizerJson;
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException(
          "tokenizer file not found: "
              + file.toAbsolutePath()
              + " (a Hugging Face model directory must contain "
              + FILE_NAME
              + ")");
    }
    HuggingFaceTokenizer hf;
    try {
      // Defaults of DJL's builder would truncate at 512 tokens and pad; a causal LM wants neither.
      hf =
          HuggingFaceTokenizer.newInstance(
              file, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    } catch (IOException | RuntimeException e) {
      throw new ModelFormatException(
          "cannot load tokenizer " + file.toAbsolutePath() + ": " + e.getMessage() + badMerge(file), e);
    }
    return new HfTokenizer(file, hf);
  }

  /**
   * After a failed load, names the first {@code model.merges} entry that is not two vocabulary tokens (the
   * native loader reports only "Merges text file invalid at line 1" or "untagged enum MergeType"); empty when
   * the merges look fine or the file is not JSON.
   */
  static String badMerge(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException | RuntimeException e) {
      return "";
    }
    JsonNode merges = root == null ? null : root.path("model").get("merges");
    JsonNode vocab = root == null ? null : root.path("model").get("vocab");
    if (merges == null || merges.isNull()) {
      return "";
    }
    if (!merges.isArray()) {
      return " (model.merges must be a list, is " + merges.getNodeType().name().toLowerCase(Locale.ROOT) + ")";
    }
    for (int i = 0; i < merges.size(); i++) {
      JsonNode m = merges.get(i);
      String[] pair = null;
      if (m.isTextual()) {
        String[] parts = m.asText().split(" ", -1);
        pair = parts.length == 2 && !parts[0].isEmpty() && !parts[1].isEmpty() ? parts : null;
      } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
        pair = new String[] {m.get(0).asText(), m.get(1).asText()};
      }
      if (pair == null) {
        return " (model.merges[" + i + "] = " + m + ": expected \"left right\" or [\"left\", \"right\"])";
      }
      if (vocab != null && vocab.isObject()) {
        for (String t : new String[] {pair[0], pair[1], pair[0] + pair[1]}) {
          if (!vocab.has(t)) {
            return " (model.merges[" + i + "] = " + m + ": token \"" + t + "\" is not in model.vocab)";
          }
        }
      }
    }
    return "";
  }

  /** The tokenizer.json this was loaded from. */
  public Path file() {
    return file;
  }

  /** Token ids of {@code text}, without special tokens added around it. */
  @Override
  public int[] encode(String text) {
    return encode(text, false);
  }

  /**
   * Token ids of {@code text}; when {@code addSpecialTokens}, the tokenizer's post-processor adds
   * its special tokens (Qwen2's adds none; Llama-style ones add BOS).
   */
  public int[] encode(String text, boolean addSpecialTokens) {
    Ensure.notNull(text, "text");
    Encoding enc = tokenizer.encode(text, addSpecialTokens, false);
    return toInts(enc.getIds());
  }

  @Override
  public List<int[]> encodeBatch(List<String> texts) {
    Ensure.notNull(texts, "texts");
    if (texts.isEmpty()) {
      return List.of();
    }
    Encoding[] encs = tokenizer.batchEncode(texts, false, false);
    List<int[]> out = new ArrayList<>(encs.length);
    for (Encoding e : encs) {
      out.add(toInts(e.getIds()));
    }
    return out;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Ids the tokenizer does not know (a model's embedding matrix is often padded past the
   * tokenizer's vocabulary) decode to nothing, as in Hugging Face {@code tokenizers}.
   */
  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    Ensure.notNull(ids, "ids");
    long[] longs = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0) {
        throw new dev.medadapt.core.ConfigurationException(
            "token ids must be >= 0, was " + ids[i] + " at index " + i);
      }
      longs[i] = ids[i];
    }
    return tokenizer.decode(longs, skipSpecialTokens);
  }

  /** The id of a token given in the tokenizer's own alphabet (byte-level: {@code "Ġthe"}), if any. */
  public Optional<Integer> tokenToId(String token) {
    return Optional.ofNullable(vocab().tokenToId.get(token));
  }

  /** The token string of {@code id} in the tokenizer's own alphabet, if the id is assigned. */
  public Optional<String> idToToken(int id) {
    String[] idToToken = vocab().idToToken;
    return id >= 0 && id < idToToken.length ? Optional.ofNullable(idToToken[id]) : Optional.empty();
  }

  /**
   * Number of token ids including added tokens (the highest id + 1). Models often have a larger
   * embedding matrix (Qwen2.5: 151,665 here vs 151,936 rows).
   */
  public int vocabSize() {
    return vocab().idToToken.length;
  }

  /** The added tokens in id order. */
  public List<AddedToken> addedTokens() {
    return vocab().added;
  }

  /** Ids of added tokens marked special (dropped by {@code decode(ids, true)}). */
  public Set<Integer> specialTokenIds() {
    return vocab().specialIds;
  }

  /** Whether {@code id} is a special token. */
  public boolean isSpecial(int id) {
    return vocab().specialIds.contains(id);
  }

  private Vocab vocab() {
    Vocab v = vocab;
    if (v == null) {
      synchronized (this) {
        v = vocab;
        if (v == null) {
          v = readVocab(file);
          vocab = v;
        }
      }
    }
    return v;
  }

  @Override
  public void close() {
    tokenizer.close();
  }

  private static int[] toInts(long[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  private record Vocab(
      Map<String, Integer> tokenToId, String[] idToToken, List<AddedToken> added, Set<Integer> specialIds) {}

  /** Reads model.vocab and added_tokens with a streaming parser (the merges are skipped). */
  private static Vocab readVocab(Path file) {
    Map<String, Integer> tokenToId = new HashMap<>(1 << 18);
    List<AddedToken> added = new ArrayList<>();
    boolean sawModel = false;
    try (InputStream in = Files.newInputStream(file);
        JsonParser p = new JsonFactory().createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new ModelFormatException(file.toAbsolutePath() + " is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if ("model".equals(field) && value == JsonToken.START_OBJECT) {
          sawModel = true;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String mf = p.currentName();
            JsonToken mv = p.nextToken();
            if ("vocab".equals(mf) && mv == JsonToken.START_OBJECT) {
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String tok = p.currentName();
                p.nextToken();
                tokenToId.put(tok, p.getIntValue());
              }
            } else {
              p.skipChildren();
            }
          }
        } else if ("added_tokens".equals(field) && value == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            Integer id = null;
            String content = null;
            boolean special = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String af = p.currentName();
              p.nextToken();
              switch (af) {
                case "id" -> id = p.getIntValue();
                case "content" -> content = p.getText();
                case "special" -> special = p.getBooleanValue();
                default -> p.skipChildren();
              }
            }
            if (id == null || content == null) {
              throw new ModelFormatException(
                  file.toAbsolutePath() + ": added_tokens entry without id or content");
            }
            added.add(new AddedToken(id, content, special));
          }
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new ModelFormatException(
          "cannot parse tokenizer " + file.toAbsolutePath() + ": " + e.getMessage(), e);
    }
    if (!sawModel) {
      throw new ModelFormatException(file.toAbsolutePath() + " has no \"model\" section");
    }
    int max = -1;
    for (int id : tokenToId.values()) {
      max = Math.max(max, id);
    }
    for (AddedToken t : added) {
      max = Math.max(max, t.id());
      tokenToId.put(t.content(), t.id());
    }
    String[] idToToken = new String[max + 1];
    for (Map.Entry<String, Integer> e : tokenToId.entrySet()) {
      if (e.getValue() < 0) {
        throw new ModelFormatException(
            file.toAbsolutePath() + ": negative token id " + e.getValue() + " for " + e.getKey());
      }
      idToToken[e.getValue()] = e.getKey();
    }
    added.sort((a, b) -> Integer.compare(a.id(), b.id()));
    Set<Integer> special = new TreeSet<>();
    for (AddedToken t : added) {
      if (t.special()) {
        special.add(t.id());
      }
    }
    return new Vocab(Map.copyOf(tokenToId), idToToken, List.copyOf(added), Collections.unmodifiableSet(special));
  }
}
