package dev.medadapt.eval.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.eval.bench.internal.Sources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MedMCQA (Pal et al. 2022) {@code dev.json}, which is JSON Lines despite its extension.
 *
 * <p>Fields: {@code id} (uuid), {@code question}, {@code opa}..{@code opd} (options A..D) and
 * {@code cop}, the correct option <b>1-based</b> (1 = A); MIRAGE maps it the same way,
 * {@code "ABCD"[cop-1]}. {@code exp} (often null) is not used. Order: file order.
 */
public final class MedMcqaLoader implements BenchmarkLoader {
  private static final List<String> OPTION_FIELDS = List.of("opa", "opb", "opc", "opd");

  @Override
  public String name() {
    return "medmcqa";
  }

  @Override
  public List<Question> load(Path path) {
    List<Question> out = new ArrayList<>();
    Sources.IdSet ids = new Sources.IdSet();
    Sources.forEachJsonLine(
        path,
        (node, line) -> {
          String where = path + ":" + line;
          String id = Sources.text(node, "id", where);
          ids.add(id, where);
          String q = Sources.text(node, "question", where);
          List<String> options = new ArrayList<>();
          for (String f : OPTION_FIELDS) {
            options.add(Sources.optionText(node, f, where));
          }
          JsonNode cop = node.get("cop");
          if (cop == null || cop.isNull()) {
            throw new DataFormatException(where + ": field 'cop' (the correct option, 1-based) is missing");
          }
          if (!cop.canConvertToExactIntegral() || cop.asInt() < 1 || cop.asInt() > 4) {
            throw new DataFormatException(
                where + ": field 'cop': unknown answer key " + cop + ", expected an integer 1..4 (1-based: 1 = opa)");
          }
          out.add(new Question(id, "medmcqa", q, options, Question.letter(cop.asInt() - 1), null));
        });
    return out;
  }
}
