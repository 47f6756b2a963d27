package dev.medadapt.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.model.Precision;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code medadapt logits --model DIR --ids 1,2,3}: prints one JSON object
 * {@code {"input_ids": [...], "logits": [[...vocab...], ...one row per position]}} and nothing else on
 * stdout, so others can check the numerics against their own reference.
 */
@Command(name = "logits", mixinStandardHelpOptions = true,
    description = "Print the model's logits for the given token ids as one JSON object.")
public final class LogitsCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, description = "Hugging Face Qwen2 model folder (config.json + safetensors).")
  Path model;

  @Option(names = "--ids", required = true, description = "Comma-separated token ids, e.g. 1,2,3.")
  String ids;

  @Option(names = "--dtype", defaultValue = "FP32",
      description = "FP32 (default), FP16 or BF16: precision of the weights and matrix products, as in generate, ask and eval.")
  Precision dtype;

  @Override
  public Integer call() {
    long[] tokens = parseIds(ids);
    try (Qwen2Model m = Qwen2Model.load(model, Device.cpu(), dtype);
        NDManager req = m.manager().newSubManager()) {
      int vocab = m.config().vocabSize();
      for (long t : tokens) {
        if (t < 0 || t >= vocab) {
          throw new ConfigurationException("--ids: token id " + t + " is outside the vocabulary [0, " + vocab + ") of " + model);
        }
      }
      float[] logits = m.forward(req.create(new long[][] {tokens})).toFloatArray();
      PrintWriter out = spec.commandLine().getOut();
      try (JsonGenerator g = new JsonFactory().createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
        g.writeStartObject();
        g.writeArrayFieldStart("input_ids");
        for (long t : tokens) {
          g.writeNumber(t);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("logits");
        for (int i = 0; i < tokens.length; i++) {
          g.writeStartArray();
          for (int j = 0; j < vocab; j++) {
            g.writeNumber(logits[i * vocab + j]);
          }
          g.writeEndArray();
        }
        g.writeEndArray();
        g.writeEndObject();
      } catch (IOException e) {
        // The generator writes to the command's PrintWriter (stdout), which reports errors by a flag, not by throwing.
        throw new UncheckedIOException(e);
      }
      out.println();
      out.flush();
    }
    return 0;
  }

  static long[] parseIds(String s) {
    String[] parts = s.split(",");
    long[] out = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        out[i] = Long.parseLong(parts[i].strip());
      } catch (NumberFormatException e) {
        throw new ConfigurationException("--ids must be comma-separated integers, found \"" + parts[i] + "\" in \"" + s + "\"");
      }
    }
    if (out.length == 0) {
      throw new ConfigurationException("--ids must list at least one token id");
    }
    return out;
  }
}
