package dev.medadapt.study;

import dev.medadapt.core.io.AtomicFiles;
import dev.medadapt.core.MedAdaptException;
import dev.medadapt.core.StorageException;
import dev.medadapt.train.data.SftTemplate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The study's embedded default, shipped inside this jar (see {@code dev/medadapt/study/default/PROVENANCE.md}): a
 * tiny random Qwen2 checkpoint, 40 questions of MedQA, MedMCQA and PubMedQA, 36 of MMLU (6 from each of its 6
 * medical subjects) and 300 MedQuAD passages. It runs every stage of
 * {@link Study} in minutes; the model is random, so its accuracies are chance-level.
 *
 * @param root folder the files were extracted to
 */
public record EmbeddedDefault(Path root) {
  private static final String BASE = "/dev/medadapt/study/default/";

  /** What the embedded model is, for reports (see PROVENANCE.md). */
  public static final String MODEL_DESCRIPTION =
      "qwen2-tiny-bytes-chat: a 2-layer Qwen2 with random weights, byte-level tokenizer and ChatML template "
          + "(the project's test fixture, embedded in medadapt-study)";

  /**
   * SFT on the corpus sample: MedQuAD's question is the prompt, its answer the completion (the JSON fields
   * {@code question} and {@code content}).
   */
  public static final SftTemplate SFT_TEMPLATE = SftTemplate.of("### Question:\n{question}\n### Response:\n", "{content}");

  /** Copies the embedded files (model, benchmark sample and corpus sample) to {@code dir}, replacing what is there. */
  public static EmbeddedDefault extract(Path dir) {
    return extract(dir, "");
  }

  /**
   * Copies only the embedded model to {@code dir}{@code /model}, replacing what is there; {@link #model()} of the
   * result is the model folder.
   */
  public static EmbeddedDefault extractModel(Path dir) {
    return extract(dir, "model/");
  }

  private static EmbeddedDefault extract(Path dir, String prefix) {
    List<String> files = new ArrayList<>();
    try (InputStream in = resource("manifest.txt");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.isBlank() && line.trim().startsWith(prefix)) {
          files.add(line.trim());
        }
      }
      for (String f : files) {
        try (InputStream src = resource(f)) {
          AtomicFiles.write(dir.resolve(f), src::transferTo);
        }
      }
    } catch (IOException e) {
      throw new StorageException("cannot extract the embedded study data to", dir, e);
    }
    return new EmbeddedDefault(dir);
  }

  private static InputStream resource(String name) {
    InputStream in = EmbeddedDefault.class.getResourceAsStream(BASE + name);
    if (in == null) {
      throw new MedAdaptException("embedded study resource " + BASE + name + " is missing from the jar");
    }
    return in;
  }

  public Path model() {
    return root.resolve("model");
  }

  /** Benchmark data in the standard layout. */
  public Path data() {
    return root;
  }

  public Path corpus() {
    return root.resolve("corpus/medquad_sample.jsonl");
  }
}
