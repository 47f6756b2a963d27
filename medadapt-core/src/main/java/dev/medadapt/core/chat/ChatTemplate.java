package dev.medadapt.core.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.ModelFormatException;
import dev.medadapt.core.chat.internal.JinjaWhitespace;
import dev.medadapt.core.chat.internal.PyJson;
import dev.medadapt.core.chat.internal.SandboxRange;
import dev.medadapt.core.chat.internal.SandboxResolver;
import dev.medadapt.core.llm.ChatMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face chat template ({@code chat_template} in {@code tokenizer_config.json}) rendered the
 * way {@code transformers}' {@code apply_chat_template} renders it: Jinja2 semantics with
 * {@code trim_blocks} and {@code lstrip_blocks}, the special tokens ({@code bos_token},
 * {@code eos_token}, ...) passed as plain strings, {@code raise_exception}, {@code namespace()},
 * Python string methods and Python-style {@code tojson}.
 *
 * <pre>{@code
 * ChatTemplate t = ChatTemplate.load(Path.of("models/DeepSeek-R1-Distill-Qwen-1.5B"));
 * String prompt = t.render(List.of(ChatMessage.user("Antidote for acetaminophen?")), true);
 * // "<｜begin▁of▁sentence｜><｜User｜>Antidote for acetaminophen?<｜Assistant｜>"
 * }</pre>
 *
 * <p>The template runs in a sandbox (Jinjava with a restricted resolver): it cannot load files
 * (include/import/extends are disabled and the resource locator refuses everything), cannot call Java
 * methods or read bean properties, and its output, loop ranges and macro recursion are bounded.
 * Variables in the context are not re-interpreted as templates, so message text containing
 * {@code {{ }}} is rendered literally.
 *
 * <p>Thread-safe and immutable.
 */
public final class ChatTemplate {
  /** Upper bound on a rendered prompt (characters); far above any context window. */
  public static final int MAX_OUTPUT_CHARS = 16 << 20;

  /** Default bound on one render's wall time; real chat templates take well under a millisecond. */
  public static final Duration RENDER_TIMEOUT = Duration.ofSeconds(10);

  /** Deadline (System.nanoTime) of the render running on this thread; checked before every node. */
  private static final ThreadLocal<long[]> DEADLINE = ThreadLocal.withInitial(() -> new long[] {Long.MAX_VALUE});

  private static final String CONFIG_FILE = "tokenizer_config.json";
  private static final String JINJA_FILE = "chat_template.jinja";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String source;
  private final String prepared;
  private final String origin;
  private final Map<String, Object> specialTokens;
  private final boolean addBosToken;
  private final Duration renderTimeout;
  private final Jinjava jinjava;

  private ChatTemplate(
      String source, String origin, Map<String, Object> specialTokens, boolean addBosToken, Duration renderTimeout) {
    this.renderTimeout = renderTimeout;
    this.source = source;
    this.origin = origin;
    this.specialTokens = Collections.unmodifiableMap(specialTokens);
    this.addBosToken = addBosToken;
    this.jinjava = newSandbox(false);
    this.prepared = JinjaWhitespace.apply(stripOneTrailingNewline(source));
    validate();
  }

  /**
   * Loads the default chat template of a model directory (or of the given
   * {@code tokenizer_config.json}). A list-valued {@code chat_template} uses its entry named
   * {@code "default"}; when the config has no template, a {@code chat_template.jinja} beside it is
   * used (the layout newer {@code transformers} versions save).
   *
   * @throws ModelFormatException when the file is missing, has no template, or the template has a
   *     syntax error (the message names the file and, when known, the template line)
   */
  public static ChatTemplate load(Path modelDirOrTokenizerConfig) {
    return load(modelDirOrTokenizerConfig, "default");
  }

  /** Loads the chat template named {@code name} (for configs that list several, such as "tool_use"). */
  public static ChatTemplate load(Path modelDirOrTokenizerConfig, String name) {
    Ensure.notNull(modelDirOrTokenizerConfig, "modelDirOrTokenizerConfig");
    Ensure.notBlank(name, "name");
    Path file =
        Files.isDirectory(modelDirOrTokenizerConfig)
            ? modelDirOrTokenizerConfig.resolve(CONFIG_FILE)
            : modelDirOrTokenizerConfig;
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException(
          "tokenizer config not found: " + file.toAbsolutePath() + " (needed for the chat template)");
    }
    JsonNode cfg;
    try {
      cfg = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new ModelFormatException(
          "cannot parse " + file.toAbsolutePath() + ": " + e.getMessage(), e);
    }
    if (cfg == null || !cfg.isObject()) {
      throw new ModelFormatException(file.toAbsolutePath() + " is not a JSON object");
    }
    String origin = file.toAbsolutePath().toString();
    String template = templateText(cfg.get("chat_template"), name, origin);
    if (template == null) {
      Path jinja = file.resolveSibling(JINJA_FILE);
      if (Files.isRegularFile(jinja)) {
        try {
          template = Files.readString(jinja, StandardCharsets.UTF_8);
          origin = jinja.toAbsolutePath().toString();
        } catch (IOException e) {
          throw new ModelFormatException("cannot read " + jinja.toAbsolutePath() + ": " + e.getMessage(), e);
        }
      } else {
        throw new ModelFormatException(
            file.toAbsolutePath() + " has no \"chat_template\" (and there is no " + JINJA_FILE + " beside it)");
      }
    }
    Map<String, Object> tokens = new LinkedHashMap<>();
    for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
      tokens.put(key, tokenContent(cfg.get(key), key, file));
    }
    JsonNode extra = cfg.get("additional_special_tokens");
    if (extra != null && extra.isArray()) {
      List<String> list = new ArrayList<>();
      for (JsonNode t : extra) {
        list.add(tokenContent(t, "additional_special_tokens", file));
      }
      tokens.put("additional_special_tokens", List.copyOf(list));
    }
    boolean addBos = cfg.path("add_bos_token").asBoolean(false);
    return new ChatTemplate(template, origin, tokens, addBos, RENDER_TIMEOUT);
  }

  /**
   * A template given as text, for tests and for models whose template comes from elsewhere.
   *
   * @param template the Jinja source
   * @param bosToken the BOS string, or null
   * @param eosToken the EOS string, or null
   * @param origin a name for error messages (a file path or "inline")
   */
  public static ChatTemplate of(String template, String bosToken, String eosToken, String origin) {
    return of(template, bosToken, eosToken, origin, RENDER_TIMEOUT);
  }

  static ChatTemplate of(String template, String bosToken, String eosToken, String origin, Duration renderTimeout) {
    Ensure.notNull(template, "template");
    Ensure.notBlank(origin, "origin");
    Map<String, Object> tokens = new LinkedHashMap<>();
    tokens.put("bos_token", bosToken);
    tokens.put("eos_token", eosToken);
    tokens.put("unk_token", null);
    tokens.put("pad_token", null);
    return new ChatTemplate(template, origin, tokens, false, renderTimeout);
  }

  /** Renders a conversation; with {@code addGenerationPrompt} the assistant header is appended. */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return render(messages, addGenerationPrompt, Map.of());
  }

  /**
   * Renders a conversation with extra template variables (for example {@code tools} or
   * {@code documents}, as plain maps/lists/strings/numbers). The variables {@code messages},
   * {@code add_generation_prompt} and the special tokens cannot be overridden.
   *
   * @throws ConfigurationException when the template rejects the conversation via
   *     {@code raise_exception} (for example roles that do not alternate), or the output exceeds
   *     {@link #MAX_OUTPUT_CHARS}
   * @throws ModelFormatException when the template fails for another reason (names the file and line)
   */
  public String render(
      List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> extraVariables) {
    Ensure.notNull(messages, "messages");
    Ensure.notNull(extraVariables, "extraVariables");
    Map<String, Object> ctx = new HashMap<>();
    for (Map.Entry<String, ?> e : extraVariables.entrySet()) {
      if (e.getKey().equals("messages") || e.getKey().equals("add_generation_prompt")
          || specialTokens.containsKey(e.getKey())) {
        throw new ConfigurationException(
            "extraVariables must not set \"" + e.getKey() + "\" (it is set by the chat template renderer)");
      }
      ctx.put(e.getKey(), e.getValue());
    }
    List<Map<String, Object>> msgs = new ArrayList<>(messages.size());
    for (ChatMessage m : messages) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("role", m.role().wireName());
      map.put("content", m.content());
      msgs.add(map);
    }
    ctx.put("messages", msgs);
    ctx.put("add_generation_prompt", addGenerationPrompt);
    ctx.putAll(specialTokens);
    RenderResult result = renderWithDeadline(jinjava, prepared, ctx);
    checkErrors(result.getErrors(), false);
    return result.getOutput();
  }

  /** The template source as found in the file. */
  public String source() {
    return source;
  }

  /** The file the template was read from (or the origin given to {@link #of}). */
  public String origin() {
    return origin;
  }

  /** The BOS token string, if the config defines one. */
  public Optional<String> bosToken() {
    return Optional.ofNullable((String) specialTokens.get("bos_token"));
  }

  /** The EOS token string, if the config defines one. */
  public Optional<String> eosToken() {
    return Optional.ofNullable((String) specialTokens.get("eos_token"));
  }

  /** The PAD token string, if the config defines one. */
  public Optional<String> padToken() {
    return Optional.ofNullable((String) specialTokens.get("pad_token"));
  }

  /**
   * {@code add_bos_token} of the config. Chat templates that print {@code bos_token} themselves
   * (DeepSeek-R1-Distill) must be tokenized without adding another, as {@code apply_chat_template} does.
   */
  public boolean addBosToken() {
    return addBosToken;
  }

  // ---------------------------------------------------------------------------------------------

  private static String templateText(JsonNode node, String name, String origin) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isArray()) {
      List<String> names = new ArrayList<>();
      for (JsonNode entry : node) {
        String n = entry.path("name").asText(null);
        names.add(n);
        if (name.equals(n)) {
          JsonNode t = entry.get("template");
          if (t == null || !t.isTextual()) {
            throw new ModelFormatException(origin + ": chat_template entry \"" + n + "\" has no string \"template\"");
          }
          return t.asText();
        }
      }
      throw new ModelFormatException(
          origin + ": chat_template has no entry named \"" + name + "\" (it has " + names + ")");
    }
    throw new ModelFormatException(
        origin + ": chat_template must be a string or a list of {name, template}, was " + node.getNodeType());
  }

  private static String tokenContent(JsonNode node, String field, Path file) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isObject() && node.path("content").isTextual()) {
      return node.get("content").asText();
    }
    throw new ModelFormatException(
        file.toAbsolutePath() + ": " + field + " must be a string, null or an AddedToken object with \"content\"");
  }

  private RenderResult renderWithDeadline(Jinjava j, String template, Map<String, Object> ctx) {
    long[] deadline = DEADLINE.get();
    long previous = deadline[0];
    deadline[0] = System.nanoTime() + renderTimeout.toNanos();
    try {
      return j.renderForResult(template, ctx);
    } finally {
      deadline[0] = previous;
    }
  }

  /** Thrown before a node renders once the render's deadline has passed; Jinjava aborts the render. */
  private static final class RenderTimeout extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RenderTimeout() {
      super("rendering exceeded its time limit");
    }
  }

  private static Jinjava newSandbox(boolean validationMode) {
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .withElResolver(new SandboxResolver())
            .withNestedInterpretationEnabled(false)
            .withFailOnUnknownTokens(false)
            .withMaxOutputSize(MAX_OUTPUT_CHARS)
            .withMaxStringLength(MAX_OUTPUT_CHARS)
            .withMaxRenderDepth(10)
            .withEnableRecursiveMacroCalls(true)
            .withMaxMacroRecursionDepth(20)
            .withRangeLimit(SandboxRange.LIMIT)
            .withMaxListSize(100_000)
            .withMaxMapSize(100_000)
            .withValidationMode(validationMode)
            .withDisabled(
                Map.of(Context.Library.TAG, Set.of("include", "import", "from", "extends")))
            .withNodePreProcessor(
                (node, interpreter) -> {
                  if (System.nanoTime() > DEADLINE.get()[0]) {
                    throw new RenderTimeout();
                  }
                })
            .build();
    Jinjava j = new Jinjava(config);
    j.setResourceLocator(
        (fullName, encoding, interpreter) -> {
          throw new IOException("chat templates may not load other templates (" + fullName + ")");
        });
    j.getGlobalContext().registerFilter(new PyJson());
    // replaces Jinjava's range(), which silently stops at the range limit
    j.getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition("", "range", SandboxRange.class, "range", Object.class, Object[].class));
    j.getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    return j;
  }

  /** {@code raise_exception(message)} as Hugging Face defines it for templates. */
  public static String raiseException(String message) {
    throw new TemplateRaised(message);
  }

  private static final class TemplateRaised extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TemplateRaised(String message) {
      super(message);
    }
  }

  /** Jinja2's default {@code keep_trailing_newline=False} drops one newline at the end of the source. */
  private static String stripOneTrailingNewline(String s) {
    if (s.endsWith("\r\n")) {
      return s.substring(0, s.length() - 2);
    }
    return s.endsWith("\n") || s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  /** Renders once with a representative conversation to surface syntax errors at load time. */
  private void validate() {
    Map<String, Object> ctx = new HashMap<>();
    List<Map<String, Object>> msgs = new ArrayList<>();
    for (String[] rc : new String[][] {{"system", "s"}, {"user", "u"}, {"assistant", "a"}, {"user", "u"}}) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("role", rc[0]);
      m.put("content", rc[1]);
      msgs.add(m);
    }
    ctx.put("messages", msgs);
    ctx.put("add_generation_prompt", true);
    ctx.putAll(specialTokens);
    // Validation mode also parses the branches the sample conversation does not take.
    RenderResult syntax = renderWithDeadline(newSandbox(true), prepared, ctx);
    checkErrors(syntax.getErrors(), true);
    List<String> loopFilters = JinjaWhitespace.loopFilters(source);
    if (!loopFilters.isEmpty()) {
      throw new ModelFormatException(
          "chat template in " + origin + ": loop filters are not supported (Jinjava would ignore the condition): "
              + loopFilters.get(0) + "; use {% for %}{% if %} instead");
    }
    for (String filter : JinjaWhitespace.filterNames(prepared)) {
      if (jinjava.getGlobalContext().getFilter(filter) == null) {
        throw new ModelFormatException("chat template in " + origin + ": unknown filter '" + filter + "'");
      }
    }
  }

  private void checkErrors(List<TemplateError> errors, boolean syntaxOnly) {
    for (TemplateError e : errors) {
      Throwable raised = find(e.getException(), TemplateRaised.class);
      if (raised != null) {
        if (syntaxOnly) {
          continue; // the sample conversation may legitimately be rejected
        }
        throw new ConfigurationException(
            "the chat template of " + origin + " rejected the conversation: " + raised.getMessage());
      }
      boolean syntax = e.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR
          || e.getReason() == TemplateError.ErrorReason.UNKNOWN
          || e.getReason() == TemplateError.ErrorReason.DISABLED
          || e.getReason() == TemplateError.ErrorReason.MISSING;
      if (syntaxOnly && e.getMessage() != null && e.getMessage().startsWith("Cannot find method '")) {
        // Jinjava's validation mode cannot dispatch filters through a custom resolver; it reports
        // every filter call this way. Not a syntax error: real renders dispatch them fine.
        continue;
      }
      if (find(e.getException(), SandboxRange.TooLong.class) instanceof SandboxRange.TooLong tooLong) {
        String where = e.getLineno() > 0 ? " at template line " + e.getLineno() : "";
        throw new ConfigurationException(
            "chat template in " + origin + where + ": a loop over range() of " + tooLong.items()
                + " items was stopped by the sandbox, which allows at most " + SandboxRange.LIMIT
                + " (the loop would otherwise have been cut short silently)");
      }
      if (find(e.getException(), RenderTimeout.class) != null) {
        throw new ModelFormatException(
            "chat template in " + origin + ": rendering took longer than " + renderTimeout.toMillis() + " ms");
      }
      if (e.getSeverity() == TemplateError.ErrorType.FATAL && (!syntaxOnly || syntax)) {
        if (e.getReason() == TemplateError.ErrorReason.OUTPUT_TOO_BIG) {
          String where = e.getLineno() > 0 ? " (stopped at template line " + e.getLineno() + ")" : "";
          throw new ConfigurationException(
              "the chat template of " + origin + " produced more than " + MAX_OUTPUT_CHARS
                  + " characters, the sandbox's output limit" + where);
        }
        String where = e.getLineno() > 0 ? " at template line " + e.getLineno() : "";
        throw new ModelFormatException(
            "chat template in " + origin + ": " + (syntaxOnly ? "syntax error" : "render error") + where
                + ": " + e.getMessage());
      }
    }
  }

  private static Throwable find(Throwable t, Class<?> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return c;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }
}
