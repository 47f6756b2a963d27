package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.rag.embed.Embedder;
import dev.medadapt.rag.embed.EmbedderInfo;
import dev.medadapt.rag.embed.HashingEmbedder;
import dev.medadapt.rag.embed.OnnxEmbedder;
import dev.medadapt.rag.index.IndexMetadata;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves the CLI's {@code --embedder} value. */
final class Embedders {
  private Embedders() {}

  static final String HELP =
      "default (all-MiniLM-L6-v2, bundled), a folder with a sentence-transformers ONNX export "
          + "(tokenizer.json + onnx/model.onnx), or hashing:DIM (model-free word-hashing baseline)";

  static Embedder open(String spec) {
    if (spec.equals("default")) {
      return OnnxEmbedder.allMiniLmL6V2();
    }
    if (spec.startsWith("hashing:")) {
      try {
        return new HashingEmbedder(Integer.parseInt(spec.substring("hashing:".length())));
      } catch (NumberFormatException e) {
        throw new ConfigurationException("--embedder hashing:DIM needs an integer DIM, was \"" + spec + "\"");
      }
    }
    Path dir = Path.of(spec);
    if (!Files.isDirectory(dir)) {
      throw new ConfigurationException("--embedder must be " + HELP + "; \"" + spec + "\" is none of these (no such folder)");
    }
    return OnnxEmbedder.fromDirectory(dir).build();
  }

  /** The query embedder for an index: {@code spec} if given, else the one the metadata names when it is built in. */
  static Embedder forIndex(IndexMetadata m, String spec, Path indexDir) {
    if (spec != null) {
      return open(spec);
    }
    EmbedderInfo e = m.embedder();
    if (e.name().equals("all-MiniLM-L6-v2")) {
      return OnnxEmbedder.allMiniLmL6V2();
    }
    if (e.name().equals("hashing-bow-v1")) {
      return new HashingEmbedder(e.dimension());
    }
    throw new ConfigurationException(indexDir + " was embedded with " + m.describeEmbedder()
        + "; pass the same model with --embedder DIR");
  }
}
