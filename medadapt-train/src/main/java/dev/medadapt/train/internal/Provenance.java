package dev.medadapt.train.internal;

import dev.medadapt.core.StorageException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.train.data.TokenizedDataset;
import dev.medadapt.train.data.TokenizedSequence;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** Provenance files ({@code provenance.json}) and data fingerprints. Not API. */
public final class Provenance {
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Provenance() {}

  /** SHA-256 over every sequence's ids and labels, in order. */
  public static String fingerprint(TokenizedDataset ds) {
    MessageDigest md = sha256();
    byte[] buf = new byte[8];
    for (TokenizedSequence s : ds.sequences()) {
      for (int i = 0; i < s.length(); i++) {
        int a = s.inputIds()[i];
        int b = s.labels()[i];
        for (int k = 0; k < 4; k++) {
          buf[k] = (byte) (a >>> (8 * k));
          buf[4 + k] = (byte) (b >>> (8 * k));
        }
        md.update(buf);
      }
      md.update((byte) 0xff);
    }
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  /** SHA-256 of a file's bytes. */
  public static String fileHash(Path file) {
    MessageDigest md = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw new StorageException("cannot hash", file, e);
    }
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  /** Writes {@code dir/provenance.json} with {@code entries} plus runtime versions. */
  public static void write(Path dir, Map<String, String> entries) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("format", "medadapt.provenance.v1");
    ObjectNode versions = o.putObject("versions");
    versions.put("java", System.getProperty("java.version"));
    versions.put("medadapt", version());
    versions.put("djl", djlVersion());
    versions.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    ObjectNode e = o.putObject("run");
    new TreeMap<>(entries).forEach(e::put);
    try {
      Files.createDirectories(dir);
      dev.medadapt.core.io.AtomicFiles.writeString(dir.resolve("provenance.json"), MAPPER.writeValueAsString(o));
    } catch (IOException ex) {
      throw new StorageException("cannot write provenance in", dir, ex);
    }
  }

  private static String version() {
    String v = Provenance.class.getPackage().getImplementationVersion();
    return v == null ? "development build (not packaged)" : v;
  }

  private static String djlVersion() {
    return ai.djl.engine.Engine.getDjlVersion();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
