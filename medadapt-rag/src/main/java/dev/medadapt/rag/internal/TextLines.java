package dev.medadapt.rag.internal;

import dev.medadapt.core.DataFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a small UTF-8 text file line by line with 1-based line numbers, skipping blank lines. Not API. */
public final class TextLines {
  private TextLines() {}

  /** Receives one non-blank line. */
  @FunctionalInterface
  public interface LineHandler {
    void line(int number, String text);
  }

  /** Calls {@code handler} for each non-blank line; I/O and encoding errors name the file and the {@code what}. */
  public static void forEach(Path file, String what, LineHandler handler) {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (!line.isBlank()) {
          handler.line(n, line);
        }
      }
    } catch (CharacterCodingException e) {
      throw new DataFormatException(file + ": bytes are not valid UTF-8 (" + what + ")", e);
    } catch (IOException e) {
      throw new DataFormatException(file + ": cannot read " + what + ": " + e.getMessage(), e);
    }
  }
}
