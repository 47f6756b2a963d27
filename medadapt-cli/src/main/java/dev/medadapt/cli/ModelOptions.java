package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.llm.LanguageModel;

import dev.medadapt.core.openai.OpenAiLanguageModel;
import dev.medadapt.study.EmbeddedDefault;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Which language model a command runs (a picocli mixin shared by every command that can use a remote model): a local
 * Hugging Face folder ({@code --model}), an OpenAI-compatible server ({@code --openai-url}, {@code --openai-model},
 * {@code --api-key-env}), or, with neither, the embedded tiny random model (said so on stderr).
 */
final class ModelOptions {
  @Option(names = "--model", paramLabel = "DIR",
      description = "Local Hugging Face model folder of the Qwen2 family (config.json, safetensors, tokenizer.json). "
          + "Default (without --model and --openai-url): the embedded tiny RANDOM model, for trying the command.")
  Path model;

  @Option(names = "--openai-url", paramLabel = "URL",
      description = "OpenAI-compatible server instead of a local model, e.g. http://localhost:8000/v1.")
  String openAiUrl;

  @Option(names = "--openai-model", paramLabel = "NAME",
      description = "Model name sent to the OpenAI-compatible server (required with --openai-url).")
  String openAiModel;

  @Option(names = "--api-key-env", paramLabel = "VAR",
      description = "Environment variable holding the server's API key (sent as a Bearer token); none by default.")
  String apiKeyEnv;

  @Mixin LocalModelOptions local = new LocalModelOptions();

  /** True when neither {@code --model} nor {@code --openai-url} was given. */
  boolean embedded() {
    return model == null && openAiUrl == null;
  }

  /**
   * Opens the model; closing the result closes the model.
   *
   * @param command the command's name, for the note on stderr
   * @param err where the note about the embedded model goes
   * @param remote adds command-specific settings (seed, log-likelihood by echo) to the OpenAI client's builder
   */
  Opened open(String command, PrintWriter err, UnaryOperator<OpenAiLanguageModel.Builder> remote) {
    if (model != null && openAiUrl != null) {
      throw new ConfigurationException("--model and --openai-url are alternatives: give one model");
    }
    if (openAiUrl == null && (openAiModel != null || apiKeyEnv != null)) {
      throw new ConfigurationException((openAiModel != null ? "--openai-model" : "--api-key-env") + " needs --openai-url");
    }
    if (model != null) {
      return new Opened(local.builder(model).build(), null);
    }
    if (openAiUrl != null) {
      if (openAiModel == null || openAiModel.isBlank()) {
        throw new ConfigurationException("--openai-model is required with --openai-url (the model name the server serves)");
      }
      OpenAiLanguageModel.Builder b = OpenAiLanguageModel.builder().baseUrl(openAiUrl).model(openAiModel);
      if (apiKeyEnv != null) {
        b.apiKeyEnv(apiKeyEnv);
      }
      return new Opened(remote.apply(b).build(), null);
    }
    err.println(command + ": no --model or --openai-url, so the embedded model runs: " + EmbeddedDefault.MODEL_DESCRIPTION
        + ". Its weights are RANDOM: the output shows the command works, not medicine.");
    err.flush();
    EmbeddedFiles files = EmbeddedFiles.model();
    try {
      return new Opened(local.builder(files.files().model()).build(), files);
    } catch (RuntimeException e) {
      files.close();
      throw e;
    }
  }

  /**
   * An open model and, for the embedded one, its extracted files (read lazily by the tokenizer), deleted on close.
   *
   * @param model the language model
   * @param files the embedded model's temporary files, or null
   */
  record Opened(LanguageModel model, EmbeddedFiles files) implements AutoCloseable {
    @Override
    public void close() {
      try {
        model.close();
      } finally {
        if (files != null) {
          files.close();
        }
      }
    }
  }
}
