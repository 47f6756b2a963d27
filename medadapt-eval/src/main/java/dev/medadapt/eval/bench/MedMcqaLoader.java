package dev.medadapt.eval.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * MedMCQA (Pal et al. 2022) {@code dev.json}, which is JSON Lines despite its extension.
 *
 * <p>Fields: {@code id} (uuid), {@code question}, {@code opa}..{@code opd} (options A..D) and
 * {@code cop}, the correct option <b>1-based</b> (1 = A); MIRAGE maps it the same way,
 * {@code "ABCD"[cop-1]}. {@code exp} (often null) is not used. Order: file order. This is the
 * {@link JsonlLoader} with that field mapping.
 */
public final class MedMcqaLoader implements BenchmarkLoader {
  private final JsonlLoader jsonl =
      JsonlLoader.builder()
          .benchmark("medmcqa")
          .idField("id")
          .questionField("question")
          .optionFields(List.of("opa", "opb", "opc", "opd"))
          .answerField("cop")
          .answerEncoding(JsonlLoader.AnswerEncoding.INDEX_1)
          .contextField(null)
          .build();

  @Override
  public String name() {
    return "medmcqa";
  }

  @Override
  public List<Question> load(Path path) {
    return jsonl.load(path);
  }
}
