package dev.medadapt.eval.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.MedAdaptException;
import dev.medadapt.eval.bench.BenchmarkLoader;
import dev.medadapt.eval.bench.Question;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link BenchmarkLoader} promises on its own sample: questions with unique ids, the loader's benchmark
 * name, a non-blank question, distinct options and a gold letter among them, in the same order on every load (seeded
 * subsets depend on it); and a missing input is a MedAdapt error that names the path.
 */
public abstract class BenchmarkLoaderContract {
  @TempDir protected Path tmp;

  protected abstract BenchmarkLoader loader();

  /** A sample in the loader's original format (file or folder). */
  protected abstract Path sample();

  /** Questions in {@link #sample()}. */
  protected abstract int expectedCount();

  @Test
  void loadsEveryQuestionWithAUniqueIdAndAGoldOption() {
    List<Question> qs = loader().load(sample());
    assertThat(qs).hasSize(expectedCount());
    assertThat(new HashSet<>(qs.stream().map(Question::id).toList())).hasSize(qs.size());
    for (Question q : qs) {
      assertThat(q.id()).isNotBlank();
      assertThat(q.benchmark()).isNotBlank();
      assertThat(q.question()).as(q.id()).isNotBlank();
      assertThat(q.options()).as(q.id()).hasSizeGreaterThanOrEqualTo(2).doesNotHaveDuplicates()
          .allSatisfy(o -> assertThat(o).isNotBlank());
      int gold = q.answer().charAt(0) - 'A';
      assertThat(gold).as(q.id()).isBetween(0, q.options().size() - 1);
    }
  }

  @Test
  void loadsInTheSameOrderEveryTime() {
    assertThat(loader().load(sample())).isEqualTo(loader().load(sample()));
  }

  @Test
  void aMissingInputIsAnErrorNamingThePath() {
    Path missing = tmp.resolve("no-such-" + sample().getFileName());
    assertThatThrownBy(() -> loader().load(missing))
        .isInstanceOf(MedAdaptException.class)
        .hasMessageContaining(missing.toString());
  }
}
