package dev.medadapt.rag.corpus;

import dev.medadapt.core.io.BadRowPolicy;
import dev.medadapt.core.DataFormatException;
import dev.medadapt.rag.chunk.Chunk;
import dev.medadapt.rag.chunk.RecursiveCharacterSplitter;
import dev.medadapt.rag.chunk.StatPearlsChunker;
import dev.medadapt.rag.chunk.TextSplitter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Opens corpora as {@link ChunkSource}s.
 *
 * <ul>
 *   <li>a {@code .jsonl} / {@code .jsonl.gz} / {@code .json} file: MedRAG rows ({@link MedRagJsonlReader});
 *   <li>a folder containing {@code .nxml} files: StatPearls book-parts ({@link StatPearlsChunker});
 *   <li>any other folder: {@code .txt} / {@code .md} files split with the recursive character splitter
 *       like MedRAG's textbooks (id {@code <relative path without extension>_<n>}, title = file name
 *       without extension, whitespace runs collapsed to one space).
 * </ul>
 *
 * Files in folders are visited in sorted path order, so chunk order (and resume positions) are stable.
 */
public final class Corpora {
  private static final Pattern WS = Pattern.compile("\\s+");

  private Corpora() {}

  /** All {@code paths} in order, as one source; each file is opened only when reached. */
  public static ChunkSource open(List<Path> paths, BadRowPolicy policy) {
    List<Supplier<ChunkSource>> parts = new ArrayList<>();
    for (Path p : paths) {
      parts.add(() -> openOne(p, policy));
    }
    return concat(parts, paths.stream().map(Path::toString).collect(java.util.stream.Collectors.joining(", ")));
  }

  /** One file or folder as a source. */
  public static ChunkSource openOne(Path path, BadRowPolicy policy) {
    if (Files.isDirectory(path)) {
      List<Path> files = listFiles(path);
      if (files.stream().anyMatch(f -> name(f).endsWith(".nxml"))) {
        return statPearls(path);
      }
      if (files.stream().noneMatch(Corpora::isText)) {
        throw new DataFormatException(path + ": corpus folder holds no file it reads: a folder is read as StatPearls "
            + ".nxml files or as " + String.join("/", TEXT_EXTENSIONS) + " text files, and it holds "
            + (files.isEmpty() ? "no files" : describeExtensions(files))
            + "; give .jsonl/.jsonl.gz/.json files by name (one argument per file)");
      }
      return textFolder(path, RecursiveCharacterSplitter.builder().build());
    }
    if (!Files.exists(path)) {
      throw new DataFormatException(path + ": corpus file or folder not found");
    }
    String n = name(path);
    if (n.endsWith(".jsonl") || n.endsWith(".jsonl.gz") || n.endsWith(".json") || n.endsWith(".json.gz")) {
      return MedRagJsonlReader.open(path, policy);
    }
    throw new DataFormatException(
        path + ": unknown corpus format (expected .jsonl, .jsonl.gz, or a folder of .nxml or .txt/.md files)");
  }

  /** A folder of {@code .nxml} StatPearls files, each chunked with MedRAG's rules. */
  public static ChunkSource statPearls(Path folder) {
    StatPearlsChunker chunker = new StatPearlsChunker();
    List<Path> files = listFiles(folder).stream().filter(f -> name(f).endsWith(".nxml")).toList();
    return perFile(files, chunker::chunk);
  }

  /** A folder of {@code .txt} / {@code .md} / {@code .markdown} files split with {@code splitter}. */
  public static ChunkSource textFolder(Path folder, TextSplitter splitter) {
    List<Path> files = listFiles(folder).stream().filter(Corpora::isText).toList();
    return perFile(files, f -> splitTextFile(folder, f, splitter));
  }

  /** The chunks of one text file, MedRAG textbooks style. */
  static List<Chunk> splitTextFile(Path root, Path file, TextSplitter splitter) {
    String text = readUtf8Strict(file);
    String rel = root.relativize(file).toString().replace('\\', '/');
    String stem = stripExtension(rel).replace('/', '_');
    String title = stripExtension(file.getFileName().toString());
    List<String> pieces = splitter.split(text.strip());
    List<Chunk> out = new ArrayList<>(pieces.size());
    for (int i = 0; i < pieces.size(); i++) {
      out.add(new Chunk(stem + "_" + i, title, WS.matcher(pieces.get(i)).replaceAll(" ")));
    }
    return out;
  }

  /**
   * Splits the content of chunks longer than the splitter's limit into several chunks with ids
   * {@code <id>_part<n>} (same title); shorter chunks pass unchanged. Use it for corpora that were not
   * chunked upstream (a single 10 MB row becomes many chunks).
   */
  public static ChunkSource splitLong(ChunkSource source, RecursiveCharacterSplitter splitter) {
    return new ChunkSource() {
      private final Deque<Chunk> pending = new ArrayDeque<>();

      @Override
      public Chunk next() {
        if (!pending.isEmpty()) {
          return pending.poll();
        }
        Chunk c = source.next();
        if (c == null || c.content().codePointCount(0, c.content().length()) <= splitter.chunkSize()) {
          return c;
        }
        List<String> parts = splitter.split(c.content());
        for (int i = 0; i < parts.size(); i++) {
          pending.add(new Chunk(c.id() + "_part" + i, c.title(), parts.get(i)));
        }
        return pending.poll();
      }

      @Override
      public long skippedRows() {
        return source.skippedRows();
      }

      @Override
      public double fractionRead() {
        return source.fractionRead();
      }

      @Override
      public void close() {
        source.close();
      }
    };
  }

  /** Chunks already in memory, as a source (tests, derived corpora). */
  public static ChunkSource of(List<Chunk> chunks, String description) {
    Iterator<Chunk> it = chunks.iterator();
    int[] read = {0};
    return new ChunkSource() {
      @Override
      public Chunk next() {
        if (!it.hasNext()) {
          return null;
        }
        read[0]++;
        return it.next();
      }

      @Override
      public double fractionRead() {
        return chunks.isEmpty() ? 1.0 : (double) read[0] / chunks.size();
      }

      @Override
      public void close() {}

      @Override
      public String toString() {
        return description;
      }
    };
  }

  /** Sources opened one after the other; {@code description} names them in messages. */
  public static ChunkSource concat(List<Supplier<ChunkSource>> parts, String description) {
    return new ChunkSource() {
      @Override
      public String toString() {
        return description;
      }

      private int index = -1;
      private boolean exhausted;
      private ChunkSource current;
      private long skippedBefore;

      @Override
      public Chunk next() {
        while (true) {
          if (current != null) {
            Chunk c = current.next();
            if (c != null) {
              return c;
            }
            skippedBefore += current.skippedRows();
            current.close();
            current = null;
          }
          if (index + 1 >= parts.size()) {
            exhausted = true;
            return null;
          }
          current = parts.get(++index).get();
        }
      }

      @Override
      public long skippedRows() {
        return skippedBefore + (current == null ? 0 : current.skippedRows());
      }

      @Override
      public double fractionRead() {
        if (parts.isEmpty() || exhausted) {
          return 1.0;
        }
        double inner = current == null ? 0 : current.fractionRead();
        if (Double.isNaN(inner)) {
          inner = 0;
        }
        return Math.min(1.0, (Math.max(index, 0) + inner) / parts.size());
      }

      @Override
      public void close() {
        if (current != null) {
          current.close();
          current = null;
        }
        index = parts.size();
      }
    };
  }

  private static ChunkSource perFile(List<Path> files, Function<Path, List<Chunk>> chunker) {
    return new ChunkSource() {
      private int fileIndex;
      private Iterator<Chunk> it = List.<Chunk>of().iterator();

      @Override
      public Chunk next() {
        while (!it.hasNext()) {
          if (fileIndex >= files.size()) {
            return null;
          }
          it = chunker.apply(files.get(fileIndex++)).iterator();
        }
        return it.next();
      }

      @Override
      public double fractionRead() {
        return files.isEmpty() ? 1.0 : (double) fileIndex / files.size();
      }

      @Override
      public void close() {}
    };
  }

  /** Reads a whole file as UTF-8; malformed bytes are a {@link DataFormatException} naming the file and byte offset. */
  static String readUtf8Strict(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new DataFormatException(file + ": cannot read: " + e.getMessage(), e);
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      int line = 1 + firstBadLine(bytes);
      throw new DataFormatException(file + ":" + line + ": bytes are not valid UTF-8 (" + e.getMessage() + ")", e);
    }
  }

  private static int firstBadLine(byte[] bytes) {
    // Re-decode line by line to name the first line holding malformed bytes.
    int line = 0;
    int start = 0;
    for (int i = 0; i <= bytes.length; i++) {
      if (i == bytes.length || bytes[i] == '\n') {
        try {
          StandardCharsets.UTF_8.newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes, start, i - start));
        } catch (CharacterCodingException e) {
          return line;
        }
        line++;
        start = i + 1;
      }
    }
    return line;
  }

  private static List<Path> listFiles(Path folder) {
    try (Stream<Path> s = Files.walk(folder)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new DataFormatException(folder + ": cannot list corpus folder: " + e.getMessage(), e);
    }
  }

  private static final List<String> TEXT_EXTENSIONS = List.of(".txt", ".md", ".markdown");

  private static boolean isText(Path f) {
    String n = name(f);
    return TEXT_EXTENSIONS.stream().anyMatch(n::endsWith);
  }

  /** "3 files: .jsonl (2), no extension (1)". */
  private static String describeExtensions(List<Path> files) {
    java.util.Map<String, Integer> byExt = new java.util.TreeMap<>();
    for (Path f : files) {
      String n = name(f);
      int dot = n.lastIndexOf('.');
      byExt.merge(dot <= 0 ? "no extension" : n.substring(dot), 1, Integer::sum);
    }
    List<String> parts = new ArrayList<>();
    byExt.forEach((e, c) -> parts.add(e + " (" + c + ")"));
    return files.size() + " file" + (files.size() == 1 ? "" : "s") + ": " + String.join(", ", parts);
  }

  private static String name(Path p) {
    return p.getFileName().toString().toLowerCase(Locale.ROOT);
  }

  private static String stripExtension(String n) {
    int dot = n.lastIndexOf('.');
    int slash = n.lastIndexOf('/');
    return dot > slash + 0 && dot > 0 ? n.substring(0, dot) : n;
  }
}
