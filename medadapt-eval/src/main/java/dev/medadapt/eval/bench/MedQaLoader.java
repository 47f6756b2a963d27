package dev.medadapt.eval.bench;

import dev.medadapt.core.DataFormatException;
import dev.medadapt.eval.bench.internal.Sources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MedQA (Jin et al. 2020), US English 4-option JSON Lines ({@code phrases_no_exclude_test.jsonl}).
 *
 * <p>Fields: {@code question}, {@code options} (object A..D -> text), {@code answer_idx} (the correct
 * letter; used for scoring) and {@code answer} (the correct option's text; checked to equal the
 * option that {@code answer_idx} names). The id of the record on non-blank line i (0-based) is
 * {@code String.format("%04d", i)}, MIRAGE's id for the same question. Order: file order.
 */
public final class MedQaLoader implements BenchmarkLoader {

  @Override
  public String name() {
    return "medqa";
  }

  @Override
  public List<Question> load(Path path) {
    List<Question> out = new ArrayList<>();
    Sources.forEachJsonLine(
        path,
        (node, line) -> {
          String where = path + ":" + line;
          String q = Sources.text(node, "question", where);
          List<String> options = Sources.optionsByLetter(node, "options", where);
          String letter = Sources.answerLetter(Sources.text(node, "answer_idx", where), options.size(), "answer_idx", where);
          if (node.hasNonNull("answer")) {
            String text = Sources.text(node, "answer", where);
            String named = options.get(letter.charAt(0) - 'A');
            if (!text.equals(named)) {
              throw new DataFormatException(
                  where + ": field 'answer' (\"" + text + "\") is not the text of option answer_idx=" + letter
                      + " (\"" + named + "\")");
            }
          }
          String id = String.format("%04d", out.size());
          out.add(new Question(id, "medqa", q, options, letter, null));
        });
    return out;
  }
}
