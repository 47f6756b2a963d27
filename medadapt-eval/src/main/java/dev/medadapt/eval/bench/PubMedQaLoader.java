package dev.medadapt.eval.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.eval.bench.internal.Sources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PubMedQA PQA-L (Jin et al. 2019), {@code ori_pqal.json}: 1,000 expert-labelled questions keyed by
 * PMID, answered yes/no/maybe, mapped to options A = yes, B = no, C = maybe (MIRAGE's PubMedQA*
 * encoding).
 *
 * <p>{@link Split#TEST} keeps the 500 official test PMIDs listed in {@code test_ground_truth.json}
 * (read from the same folder) and checks that its labels equal {@code final_decision};
 * {@link Split#ALL} keeps all 1,000. With {@code withContext} the abstract (the {@code CONTEXTS}
 * sections joined by a blank line; the conclusion {@code LONG_ANSWER} is left out, as in the
 * original task) becomes {@link Question#context()}; without it the question stands alone, as in
 * MIRAGE's PubMedQA*. Ids are the PMIDs; order: {@code ori_pqal.json} file order.
 *
 * <p>{@link #load(Path)} accepts {@code ori_pqal.json} itself or the folder holding it.
 */
public final class PubMedQaLoader implements BenchmarkLoader {
  /** Label -> option order used by MIRAGE ({@code {"A": "yes", "B": "no", "C": "maybe"}}). */
  public static final List<String> LABELS = List.of("yes", "no", "maybe");

  /** Which PQA-L questions to keep. */
  public enum Split {
    /** The 500 official test questions ({@code test_ground_truth.json}). */
    TEST,
    /** All 1,000 labelled questions. */
    ALL
  }

  private final Split split;
  private final boolean withContext;

  public PubMedQaLoader(Split split, boolean withContext) {
    this.split = dev.medadapt.core.Ensure.notNull(split, "split");
    this.withContext = withContext;
  }

  @Override
  public String name() {
    return "pubmedqa" + (split == Split.ALL ? ":all" : "") + (withContext ? ":context" : "");
  }

  @Override
  public List<Question> load(Path path) {
    Path file = Files.isDirectory(path) ? path.resolve("ori_pqal.json") : path;
    JsonNode root = Sources.readJson(file);
    if (!root.isObject()) {
      throw new DataFormatException(file + ": expected a JSON object keyed by PMID");
    }
    Map<String, String> truth = null;
    Path truthFile = file.resolveSibling("test_ground_truth.json");
    if (split == Split.TEST) {
      if (!Files.isRegularFile(truthFile)) {
        throw new DataFormatException(
            truthFile + ": needed for the PubMedQA test split (the 500 official test PMIDs) but missing");
      }
      truth = new LinkedHashMap<>();
      JsonNode t = Sources.readJson(truthFile);
      if (!t.isObject()) {
        throw new DataFormatException(truthFile + ": expected a JSON object PMID -> yes|no|maybe");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String label = e.getValue().isTextual() ? e.getValue().textValue() : String.valueOf(e.getValue());
        label(label, truthFile + ": " + e.getKey());
        truth.put(e.getKey(), label);
      }
    }
    List<Question> out = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String pmid = e.getKey();
      String where = file + ": " + pmid;
      JsonNode item = e.getValue();
      if (!item.isObject()) {
        throw new DataFormatException(where + ": expected an object");
      }
      if (truth != null && !truth.containsKey(pmid)) {
        continue;
      }
      String q = Sources.text(item, "QUESTION", where);
      String decision = Sources.text(item, "final_decision", where);
      int idx = label(decision, where + ": field 'final_decision'");
      if (truth != null && !truth.get(pmid).equals(decision)) {
        throw new DataFormatException(
            truthFile + ": " + pmid + ": label \"" + truth.get(pmid) + "\" differs from final_decision \""
                + decision + "\" in " + file);
      }
      String context = null;
      if (withContext) {
        JsonNode ctx = item.get("CONTEXTS");
        if (ctx == null || !ctx.isArray() || ctx.isEmpty()) {
          throw new DataFormatException(where + ": field 'CONTEXTS' must be a non-empty list of strings");
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode c : ctx) {
          if (!c.isTextual()) {
            throw new DataFormatException(where + ": field 'CONTEXTS' must hold strings only");
          }
          parts.add(c.textValue());
        }
        context = String.join("\n\n", parts);
      }
      out.add(new Question(pmid, "pubmedqa", q, LABELS, Question.letter(idx), context));
    }
    if (truth != null && out.size() != truth.size()) {
      List<String> absent = new ArrayList<>(truth.keySet());
      out.forEach(q -> absent.remove(q.id()));
      throw new DataFormatException(
          truthFile + ": " + absent.size() + " test PMIDs are not in " + file + ", e.g. " + absent.get(0));
    }
    return out;
  }

  private static int label(String label, String where) {
    int idx = LABELS.indexOf(label);
    if (idx < 0) {
      throw new DataFormatException(where + ": unknown answer key \"" + label + "\", expected yes, no or maybe");
    }
    return idx;
  }
}
