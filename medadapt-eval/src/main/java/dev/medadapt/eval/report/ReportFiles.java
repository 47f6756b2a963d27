package dev.medadapt.eval.report;

import java.nio.file.Path;
import java.util.List;

/**
 * What a report call wrote.
 *
 * @param written files written, in order
 * @param warnings things that could not be produced (e.g. the PNG on a JRE without fonts), each
 *     also logged
 */
public record ReportFiles(List<Path> written, List<String> warnings) {
  public ReportFiles {
    written = List.copyOf(written);
    warnings = List.copyOf(warnings);
  }
}
