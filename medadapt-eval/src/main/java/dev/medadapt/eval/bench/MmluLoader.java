package dev.medadapt.eval.bench;

import dev.medadapt.core.DataFormatException;
import dev.medadapt.eval.bench.internal.CsvReader;
import dev.medadapt.eval.bench.internal.Sources;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MMLU (Hendrycks et al. 2021) original CSVs for the six medical subjects MIRAGE calls MMLU-Med.
 *
 * <p>Each {@code <subject>_<split>.csv} has no header and six columns: question, A, B, C, D,
 * answer letter. Files are read with an RFC 4180 parser (quoted fields contain commas and line
 * breaks; the files mix CRLF and LF); fields are kept verbatim, including U+FEFF characters and
 * trailing spaces inside fields, as MIRAGE does. Ids are {@code <subject>-NNN} (row index, 3 digits),
 * MIRAGE's ids. Order: subjects in {@link #SUBJECTS} order, rows in file order (MIRAGE's order).
 *
 * <p>{@link #load(Path)} accepts one CSV file, a folder holding the six {@code <subject>_<split>.csv}
 * files, or the MMLU data root holding a {@code <split>/} folder.
 */
public final class MmluLoader implements BenchmarkLoader {
  /** The six subjects of MMLU-Med (MIRAGE, Xiong et al. 2024, Table 1). */
  public static final List<String> SUBJECTS =
      List.of(
          "anatomy",
          "clinical_knowledge",
          "college_biology",
          "college_medicine",
          "medical_genetics",
          "professional_medicine");

  private final String split;

  /** Loads the {@code test} split. */
  public MmluLoader() {
    this("test");
  }

  /** Loads {@code split} ({@code test}, {@code dev} or {@code val}) when given a folder. */
  public MmluLoader(String split) {
    if (!List.of("test", "dev", "val").contains(split)) {
      throw new dev.medadapt.core.ConfigurationException("split must be one of test, dev, val, was " + split);
    }
    this.split = split;
  }

  @Override
  public String name() {
    return split.equals("test") ? "mmlu" : "mmlu:" + split;
  }

  @Override
  public List<Question> load(Path path) {
    if (Files.isRegularFile(path)) {
      String file = path.getFileName().toString();
      int cut = file.lastIndexOf('_');
      if (cut <= 0 || !file.endsWith(".csv")) {
        throw new DataFormatException(path + ": MMLU file name must be <subject>_<split>.csv");
      }
      return loadFile(path, file.substring(0, cut));
    }
    Path dir = Files.isDirectory(path.resolve(split)) ? path.resolve(split) : path;
    List<String> missing = new ArrayList<>();
    for (String s : SUBJECTS) {
      if (!Files.isRegularFile(dir.resolve(s + "_" + split + ".csv"))) {
        missing.add(s + "_" + split + ".csv");
      }
    }
    if (!missing.isEmpty()) {
      throw new DataFormatException(dir + ": missing MMLU medical files " + missing);
    }
    List<Question> out = new ArrayList<>();
    for (String s : SUBJECTS) {
      out.addAll(loadFile(dir.resolve(s + "_" + split + ".csv"), s));
    }
    return out;
  }

  private static List<Question> loadFile(Path file, String subject) {
    List<CsvReader.Record> rows;
    try (BufferedReader r = Sources.utf8(file)) {
      rows = new CsvReader(r, file.toString()).readAll();
    } catch (CharacterCodingException e) {
      throw new DataFormatException(file + ": not valid UTF-8", e);
    } catch (IOException | UncheckedIOException e) {
      throw new DataFormatException(file + ": cannot read: " + e.getMessage(), e);
    }
    List<Question> out = new ArrayList<>(rows.size());
    String[] names = {"question", "A", "B", "C", "D", "answer"};
    for (CsvReader.Record rec : rows) {
      String where = file + ":" + rec.line();
      List<String> f = rec.fields();
      if (f.size() != 6) {
        throw new DataFormatException(
            where + ": expected 6 columns (question, A, B, C, D, answer), found " + f.size());
      }
      for (int i = 0; i < 5; i++) {
        if (f.get(i).isEmpty()) {
          throw new DataFormatException(where + ": column " + (i + 1) + " (" + names[i] + ") is empty");
        }
      }
      String answer = Sources.answerLetter(f.get(5), 4, "answer (column 6)", where);
      String id = subject + "-" + String.format("%03d", out.size());
      out.add(new Question(id, "mmlu", f.get(0), f.subList(1, 5), answer, null));
    }
    return out;
  }
}
