package dev.medadapt.core.model;

import ai.djl.Device;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.core.chat.ChatTemplate;
import dev.medadapt.core.chat.GenerationConfig;
import dev.medadapt.core.llm.ChatMessage;
import dev.medadapt.core.llm.Generation;
import dev.medadapt.core.llm.GenerationOptions;
import dev.medadapt.core.llm.LanguageModel;
import dev.medadapt.core.llm.LoglikelihoodRequest;
import dev.medadapt.core.llm.LoglikelihoodResult;
import dev.medadapt.core.llm.TextTokenizer;
import dev.medadapt.core.model.qwen2.Int8Projection;
import dev.medadapt.core.model.qwen2.Nf4Projection;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.quant.Nf4Codec;
import dev.medadapt.core.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face Qwen2-family checkpoint run locally on DJL's PyTorch engine: {@link Qwen2Model} for
 * the numbers, {@link HfTokenizer} for text, {@link ChatTemplate} for conversations, and the model's
 * {@code generation_config.json} for its end-of-sequence ids.
 *
 * <pre>{@code
 * try (LocalLanguageModel lm = LocalLanguageModel.builder()
 *     .modelPath(Path.of("DeepSeek-R1-Distill-Qwen-1.5B"))
 *     .maxContext(4096)
 *     .build()) {
 *   Generation g = lm.chat(List.of(ChatMessage.user("First-line drug for absence seizures?")),
 *       GenerationOptions.builder().maxNewTokens(512).temperature(0.6).topP(0.95).seed(42).build(),
 *       System.out::print);
 *   Reasoning r = Reasoning.split(g.text());
 * }
 * }</pre>
 *
 * <p>Calls are serialized (one generation at a time per model), which bounds native memory; use
 * {@link #generateBatch} to decode several prompts together.
 */
public final class LocalLanguageModel implements LanguageModel {
  private static final Logger LOG = LoggerFactory.getLogger(LocalLanguageModel.class);

  private final Path modelPath;
  private final Qwen2Model model;
  private final HfTokenizer tokenizer;
  private final ChatTemplate chatTemplate; // null when the folder has no template
  private final Set<Integer> eosTokenIds;
  private final int maxContext;
  private final int scoringBatchSize;
  private final Object lock = new Object();

  private LocalLanguageModel(Builder b, Qwen2Model model, HfTokenizer tokenizer, ChatTemplate template,
      Set<Integer> eos, int maxContext) {
    this.modelPath = b.modelPath;
    this.model = model;
    this.tokenizer = tokenizer;
    this.chatTemplate = template;
    this.eosTokenIds = Set.copyOf(eos);
    this.maxContext = maxContext;
    this.scoringBatchSize = b.scoringBatchSize;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    Path n = modelPath.toAbsolutePath().normalize().getFileName();
    return n == null ? modelPath.toString() : n.toString();
  }

  /** The network; its projections can be wrapped (LoRA) before generating. */
  public Qwen2Model model() {
    return model;
  }

  /** The chat template, when the model folder has one. */
  public Optional<ChatTemplate> chatTemplate() {
    return Optional.ofNullable(chatTemplate);
  }

  /** Ids that end generation: config.json's and generation_config.json's eos_token_id. */
  public Set<Integer> eosTokenIds() {
    return eosTokenIds;
  }

  /** Longest prompt + generation in tokens. */
  public int maxContext() {
    return maxContext;
  }

  @Override
  public Optional<TextTokenizer> tokenizer() {
    return Optional.of(tokenizer);
  }

  /** The Hugging Face tokenizer itself (special tokens, vocabulary). */
  public HfTokenizer hfTokenizer() {
    return tokenizer;
  }

  @Override
  public Generation generate(String prompt, GenerationOptions options, Consumer<String> onText) {
    Ensure.notNull(prompt, "prompt");
    // As transformers' tokenizer(prompt): the tokenizer's own post-processor decides on special tokens.
    return run(tokenizer.encode(prompt, true), options, onText);
  }

  @Override
  public Generation chat(List<ChatMessage> messages, GenerationOptions options, Consumer<String> onText) {
    Ensure.notEmpty(messages, "messages");
    return run(encodeChat(messages), options, onText);
  }

  /**
   * Token ids of a conversation rendered with a generation prompt, tokenized without adding special
   * tokens (the template writes them), as {@code apply_chat_template(..., tokenize=True)} does.
   */
  public int[] encodeChat(List<ChatMessage> messages) {
    if (chatTemplate == null) {
      throw new UnsupportedFeatureException(modelPath.resolve("tokenizer_config.json")
          + " has no chat_template (and there is no chat_template.jinja); use generate() with a raw prompt");
    }
    return tokenizer.encode(chatTemplate.render(messages, true), false);
  }

  private Generation run(int[] prompt, GenerationOptions options, Consumer<String> onText) {
    Ensure.notNull(options, "options");
    Ensure.notNull(onText, "onText");
    long t0 = System.nanoTime();
    Generator.Result r;
    synchronized (lock) {
      r = generator().generate(List.of(prompt), options, (row, text) -> onText.accept(text)).get(0);
    }
    return toGeneration(r, System.nanoTime() - t0);
  }

  @Override
  public List<Generation> generateBatch(List<String> prompts, GenerationOptions options) {
    Ensure.notNull(prompts, "prompts");
    if (prompts.isEmpty()) {
      return List.of(); // as the interface's default and every other implementation
    }
    List<int[]> ids = new ArrayList<>(prompts.size());
    for (String p : prompts) {
      ids.add(tokenizer.encode(Ensure.notNull(p, "prompt"), true));
    }
    return runBatch(ids, options);
  }

  /** Renders each conversation with the chat template and decodes them all as one batch. */
  @Override
  public List<Generation> chatBatch(List<List<ChatMessage>> conversations, GenerationOptions options) {
    Ensure.notNull(conversations, "conversations");
    if (conversations.isEmpty()) {
      return List.of();
    }
    List<int[]> ids = new ArrayList<>(conversations.size());
    for (List<ChatMessage> c : conversations) {
      ids.add(encodeChat(Ensure.notEmpty(c, "messages")));
    }
    return runBatch(ids, options);
  }

  private List<Generation> runBatch(List<int[]> ids, GenerationOptions options) {
    Ensure.notNull(options, "options");
    long t0 = System.nanoTime();
    List<Generator.Result> rs;
    synchronized (lock) {
      rs = generator().generate(ids, options, (row, text) -> {});
    }
    long elapsed = System.nanoTime() - t0;
    return rs.stream().map(r -> toGeneration(r, elapsed)).toList();
  }

  private Generator generator() {
    return new Generator(model, tokenizer, eosTokenIds, maxContext,
        Math.min(tokenizer.vocabSize(), model.config().vocabSize()));
  }

  private static Generation toGeneration(Generator.Result r, long nanos) {
    return new Generation(r.text(), r.promptTokens(), r.tokens().length, r.finishReason(), Duration.ofNanos(nanos));
  }

  @Override
  public boolean supportsLoglikelihood() {
    return true;
  }

  @Override
  public List<LoglikelihoodResult> loglikelihood(List<LoglikelihoodRequest> requests) {
    Ensure.notNull(requests, "requests");
    synchronized (lock) {
      return new LoglikelihoodScorer(model, tokenizer, prefixTokenId(), maxContext, scoringBatchSize).score(requests);
    }
  }

  /**
   * lm-evaluation-harness {@code HFLM.prefix_token_id}: the tokenizer's BOS when it has one, else its
   * EOS; used as the context of an empty-context request.
   */
  int prefixTokenId() {
    if (chatTemplate != null) {
      Optional<Integer> bos = chatTemplate.bosToken().flatMap(tokenizer::tokenToId);
      if (bos.isPresent()) {
        return bos.get();
      }
      Optional<Integer> eos = chatTemplate.eosToken().flatMap(tokenizer::tokenToId);
      if (eos.isPresent()) {
        return eos.get();
      }
    }
    if (!eosTokenIds.isEmpty()) {
      return model.config().eosTokenIds().isEmpty() ? eosTokenIds.iterator().next() : model.config().eosTokenIds().get(0);
    }
    throw new ModelFormatException(modelPath + " names no BOS or EOS token to prefix an empty context with");
  }

  @Override
  public void close() {
    synchronized (lock) {
      model.close();
      tokenizer.close();
    }
  }

  /** Builder; {@code modelPath} is required, everything else has a default. Validated at {@link #build()}. */
  public static final class Builder {
    private Path modelPath;
    private Device device = Device.cpu();
    private Precision dtype = Precision.FP32;
    private Quantization quantization = Quantization.NONE;
    private int maxContext = 0;
    private int scoringBatchSize = 8;

    private Builder() {}

    /** The Hugging Face model folder (config.json, safetensors, tokenizer.json, tokenizer_config.json). */
    public Builder modelPath(Path modelPath) {
      this.modelPath = modelPath;
      return this;
    }

    /** Where tensors live; default CPU. */
    public Builder device(Device device) {
      this.device = device;
      return this;
    }

    /**
     * Precision of the weights and matrix products; default FP32. With {@link Quantization#NF4} it is
     * the type each layer's weight is dequantized to before its product: FP16 halves the bytes read per
     * token (decoding is memory-bound, see docs/benchmarks.md) at float16 rounding of the products. BF16 keeps a
     * BF16 checkpoint's dense weights as their bits on the CPU ({@link Precision#BF16}); with a quantization it
     * acts as FP32.
     */
    public Builder dtype(Precision dtype) {
      this.dtype = dtype;
      return this;
    }

    /**
     * Weight storage; default NONE. NF4 keeps the linear layers 4-bit and INT8 8-bit (per output channel); both
     * decode straight from the codes and dequantize prompts one layer at a time to {@link #dtype}.
     */
    public Builder quantization(Quantization quantization) {
      this.quantization = quantization;
      return this;
    }

    /**
     * Longest prompt + generation in tokens; default min(max_position_embeddings, 4096). Prefill
     * attention is quadratic in the prompt, so very long contexts cost memory.
     */
    public Builder maxContext(int maxContext) {
      this.maxContext = maxContext;
      return this;
    }

    /** Rows per forward pass when scoring log-likelihoods; default 8. */
    public Builder scoringBatchSize(int scoringBatchSize) {
      this.scoringBatchSize = scoringBatchSize;
      return this;
    }

    /** Validates the settings and loads the model. */
    public LocalLanguageModel build() {
      Ensure.notNull(modelPath, "modelPath");
      Ensure.notNull(device, "device");
      Ensure.notNull(dtype, "dtype");
      Ensure.notNull(quantization, "quantization");
      Ensure.between(scoringBatchSize, 1, 1024, "scoringBatchSize");
      if (!Files.isDirectory(modelPath)) {
        throw new ConfigurationException("modelPath must be a model folder, was " + modelPath + " (not a directory)");
      }
      Qwen2Config cfg = Qwen2Config.load(modelPath);
      int ctx = maxContext == 0 ? Math.min(cfg.maxPositionEmbeddings(), 4096) : maxContext;
      Ensure.between(ctx, 2, cfg.maxPositionEmbeddings(), "maxContext");
      HfTokenizer tok = HfTokenizer.load(modelPath);
      Qwen2Model model = null;
      try {
        ChatTemplate template = hasTemplate(modelPath) ? ChatTemplate.load(modelPath) : null;
        Set<Integer> eos = new LinkedHashSet<>(cfg.eosTokenIds());
        GenerationConfig.loadIfPresent(modelPath).ifPresent(g -> eos.addAll(g.eosTokenIds()));
        model = loadModel(cfg);
        LOG.info("loaded {} ({} layers, {}, {}), eos {}", modelPath, cfg.numHiddenLayers(), dtype, quantization, eos);
        return new LocalLanguageModel(this, model, tok, template, eos, ctx);
      } catch (RuntimeException e) {
        tok.close();
        if (model != null) {
          model.close();
        }
        throw e;
      }
    }

    private Qwen2Model loadModel(Qwen2Config cfg) {
      if (quantization == Quantization.NF4) {
        // bitsandbytes defaults: block size 64, no double quantization of the absmax values. The
        // weights are dequantized layer by layer to dtype (FP16 halves the bytes moved per token).
        return Qwen2Model.load(modelPath, device, dtype, Nf4Projection.loader(Nf4Codec.builder().build(), dtype));
      }
      if (quantization == Quantization.INT8) {
        return Qwen2Model.load(modelPath, device, dtype, Int8Projection.loader(dtype));
      }
      return Qwen2Model.load(modelPath, device, dtype);
    }

    private static boolean hasTemplate(Path dir) {
      if (Files.isRegularFile(dir.resolve("chat_template.jinja"))) {
        return true;
      }
      Path cfg = dir.resolve("tokenizer_config.json");
      if (!Files.isRegularFile(cfg)) {
        return false;
      }
      try {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(cfg.toFile()).has("chat_template");
      } catch (java.io.IOException e) {
        throw new ModelFormatException("cannot parse " + cfg + ": " + e.getMessage(), e);
      }
    }
  }
}
