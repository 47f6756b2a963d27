import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.medadapt.rag.index.RagIndex;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's ChatAndRag program, as a downstream application built against the installed artifacts would. */
class ChatAndRagTest {
  @TempDir Path tmp;

  @Test
  void chatsIndexesSearchesAndAnswersWithSnippets() throws Exception {
    Path testdata = Path.of(System.getProperty("medadapt.testdata"));
    Path model = testdata.resolve("models/qwen2-tiny-bytes-chat");
    Path corpus = testdata.resolve("train/medrag_sample.jsonl");
    long rows = Files.readAllLines(corpus).stream().filter(l -> !l.isBlank()).count();
    Path index = tmp.resolve("index");

    String first = run(model, corpus, index);
    assertTrue(first.contains("Chat answer: "), first);
    assertTrue(first.contains("Hit: doc2 Metformin "), first); // the only passage that mentions metformin
    assertTrue(first.contains("RAG answer: "), first);
    assertTrue(first.contains("Snippets: [doc1"), first); // the scurvy passage ranks first for "What causes scurvy?"

    // A second run resumes the index instead of adding the corpus twice, and generates the same seeded text.
    String second = run(model, corpus, index);
    assertEquals(first, second);
    try (RagIndex i = RagIndex.open(index)) {
      assertEquals(rows, i.size());
    }
  }

  private static String run(Path model, Path corpus, Path index) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      ChatAndRag.main(new String[] {model.toString(), corpus.toString(), index.toString()});
    } finally {
      System.setOut(saved);
    }
    String s = buf.toString(StandardCharsets.UTF_8);
    saved.print(s);
    return s;
  }
}
