package dev.medadapt.eval.score;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.testing.TestResources;
import dev.medadapt.eval.bench.Question;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Differential test against MIRAGE's own Python code. {@code testdata/eval/mirage_locate_answer_reference.jsonl}
 * holds 3,000 random responses built from tricky pieces (letters, "or"/"and"/"/"/","/"."/":"/quote,
 * "Option", the answer_choice marker, Python-only whitespace such as U+001C, U+0085, U+2028, U+3000, and
 * CRLF) with the letter and the index of the matching regex that MIRAGE's {@code locate_answer}
 * (src/utils.py, commit ddf4a47) returned in CPython 3 for
 * {@code locate_answer(response.split('"answer_choice": "')[-1].strip())}; index 10 is the default "A".
 * Every regex branch occurs at least 57 times.
 */
class MirageReferenceTest {
  private static final List<String> RULES = List.of(
      "mirage:letter-only", "mirage:letter-or", "mirage:letter-and", "mirage:letter-slash", "mirage:letter-comma",
      "mirage:option-letter", "mirage:colon-letter", "mirage:letter-period", "mirage:letter-quote",
      "mirage:letter-colon", MirageExtractor.DEFAULT_RULE);

  @Test
  void agreesWithCpythonOnEveryReferenceResponse() throws IOException {
    ObjectMapper m = new ObjectMapper();
    MirageExtractor x = new MirageExtractor();
    Question q = new Question("q", "t", "q", List.of("a", "b", "c", "d"), "A", null);
    List<String> mismatches = new ArrayList<>();
    int[] perRule = new int[RULES.size()];
    List<String> lines = Files.readAllLines(TestResources.testdata("eval/mirage_locate_answer_reference.jsonl"), StandardCharsets.UTF_8);
    for (String line : lines) {
      JsonNode r = m.readTree(line);
      String response = r.get("response").asText();
      Extraction e = x.extract(response, q);
      String expectedRule = RULES.get(r.get("rule").asInt());
      perRule[r.get("rule").asInt()]++;
      if (!e.letter().equals(r.get("letter").asText()) || !e.rule().equals(expectedRule)) {
        mismatches.add(m.writeValueAsString(response) + " -> " + e + ", CPython " + r.get("letter").asText() + " " + expectedRule);
      }
    }
    assertThat(lines).hasSize(3000);
    assertThat(java.util.Arrays.stream(perRule).min().getAsInt()).isGreaterThanOrEqualTo(57);
    assertThat(mismatches).isEmpty();
  }
}
