package dev.medadapt.eval.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * Reads one benchmark from its original file(s) into {@link Question}s.
 *
 * <p>Loaders validate every row: a malformed row, an unknown answer key, missing options or a
 * duplicate id is a {@link dev.medadapt.core.DataFormatException} naming the file and the line (or
 * the item id for whole-document JSON files) and the field. Questions come back in a documented,
 * deterministic order so that seeded subsets ({@link Subsets}) reproduce.
 *
 * <pre>{@code
 * List<Question> qs = BenchmarkLoaders.forName("medqa").load(Path.of("phrases_no_exclude_test.jsonl"));
 * List<Question> sample = Subsets.shuffled(qs, 4242, 200);
 * }</pre>
 */
public interface BenchmarkLoader {

  /** The registry name ({@code medqa}, {@code mirage:bioasq}, ...). */
  String name();

  /** Loads all questions from {@code path} (a file, or for some loaders a folder). */
  List<Question> load(Path path);
}
