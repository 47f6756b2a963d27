package dev.medadapt.eval.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.eval.bench.internal.Sources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One set of MIRAGE's {@code benchmark.json} (Xiong et al., Findings of ACL 2024): a JSON object
 * {@code {set: {id: {question, options: {A: text, ...}, answer: letter}}}} with the sets
 * {@code mmlu}, {@code medqa}, {@code medmcqa}, {@code pubmedqa} (PubMedQA*, no contexts) and
 * {@code bioasq} (BioASQ-Y/N, two options). An optional {@code PMID} field (later versions of the
 * file) is ignored.
 *
 * <p>Order: ids sorted by {@link String#compareTo} (code-point order), which is MIRAGE's own
 * iteration order ({@code QADataset.index = sorted(keys)} in MIRAGE {@code src/utils.py}).
 * {@link Question#benchmark()} is the set name.
 */
public final class MirageLoader implements BenchmarkLoader {
  /** The five MIRAGE sets, in the order MIRAGE's {@code src/evaluate.py} reports them. */
  public static final List<String> SETS = List.of("mmlu", "medqa", "medmcqa", "pubmedqa", "bioasq");

  private final String set;

  public MirageLoader(String set) {
    if (!SETS.contains(set)) {
      throw new ConfigurationException("MIRAGE set must be one of " + SETS + ", was " + set);
    }
    this.set = set;
  }

  @Override
  public String name() {
    return "mirage:" + set;
  }

  @Override
  public List<Question> load(Path path) {
    JsonNode root = Sources.readJson(path);
    if (!root.isObject()) {
      throw new DataFormatException(path + ": expected a JSON object {set: {id: item}}");
    }
    JsonNode items = root.get(set);
    if (items == null || !items.isObject()) {
      List<String> have = new ArrayList<>();
      root.fieldNames().forEachRemaining(have::add);
      throw new DataFormatException(path + ": no set \"" + set + "\" (sets present: " + have + ")");
    }
    List<String> ids = new ArrayList<>();
    items.fieldNames().forEachRemaining(ids::add);
    ids.sort(null);
    List<Question> out = new ArrayList<>(ids.size());
    for (String id : ids) {
      String where = path + ": " + set + "/" + id;
      JsonNode item = items.get(id);
      if (!item.isObject()) {
        throw new DataFormatException(where + ": expected an object");
      }
      String q = Sources.text(item, "question", where);
      List<String> options = Sources.optionsByLetter(item, "options", where);
      String answer = Sources.answerLetter(Sources.text(item, "answer", where), options.size(), "answer", where);
      out.add(new Question(id, set, q, options, answer, null));
    }
    return out;
  }
}
