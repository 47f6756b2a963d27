package dev.medadapt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.progress.ProgressListener;
import dev.medadapt.eval.bench.BenchmarkLoaders;
import dev.medadapt.eval.bench.Question;
import dev.medadapt.eval.contamination.BenchmarkOverlap;
import dev.medadapt.eval.contamination.ContaminationChecker;
import dev.medadapt.eval.contamination.ContaminationReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code medadapt contamination}: n-gram overlap between a training JSONL and benchmark questions. */
@Command(
    name = "contamination",
    mixinStandardHelpOptions = true,
    description = "Fraction of benchmark questions sharing a word n-gram (13 by default) with a training JSONL.")
public final class ContaminationCommand implements Callable<Integer> {

  @Option(names = "--train", required = true, description = "Training data, JSON Lines (optionally .gz).")
  Path train;

  @Option(names = "--fields", split = ",", defaultValue = "text",
      description = "Training record fields to read (all strings inside them), comma-separated. Default: ${DEFAULT-VALUE}")
  List<String> fields;

  @Option(names = "--benchmarks", required = true, split = ",",
      description = "NAME=PATH pairs, comma-separated; NAME is a loader name, or a MIRAGE set when PATH is a MIRAGE benchmark.json.")
  List<String> benchmarks;

  @Option(names = "--n", defaultValue = "13", description = "n-gram length. Default: ${DEFAULT-VALUE}")
  int n;

  @Option(names = "--include-options", description = "Check question text plus option texts (default: question text only).")
  boolean includeOptions;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Map<String, List<Question>> sets = new LinkedHashMap<>();
    for (String b : benchmarks) {
      int eq = b.indexOf('=');
      if (eq <= 0 || eq == b.length() - 1) {
        throw new ConfigurationException("--benchmarks entries must be NAME=PATH, was " + b);
      }
      String name = b.substring(0, eq);
      Path path = Path.of(b.substring(eq + 1));
      if (sets.put(name, BenchmarkLoaders.forData(name, path).load(path)) != null) {
        throw new ConfigurationException("--benchmarks names " + name + " twice");
      }
    }
    ContaminationReport r = ContaminationChecker.builder().n(n).trainFields(fields).includeOptions(includeOptions)
        .build().check(train, sets, ProgressListener.NONE);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper m = new ObjectMapper();
      ObjectNode o = m.createObjectNode();
      o.put("n", r.n());
      o.put("train", r.trainFile());
      o.put("train_records", r.trainRecords());
      ArrayNode arr = o.putArray("benchmarks");
      for (BenchmarkOverlap b : r.benchmarks()) {
        ObjectNode x = arr.addObject();
        x.put("benchmark", b.benchmark());
        x.put("questions", b.questions());
        x.put("contaminated", b.contaminated());
        x.put("fraction", b.fraction());
        x.put("too_short", b.tooShort());
        x.put("overlapping_ngrams", b.overlappingNgrams());
        b.exampleIds().forEach(x.putArray("example_ids")::add);
      }
      out.println(m.writeValueAsString(o));
    } else {
      out.printf(Locale.ROOT, "%d-gram overlap with %s (%d records, fields %s)%n", r.n(), r.trainFile(), r.trainRecords(), r.trainFields());
      out.printf(Locale.ROOT, "%-12s %9s %12s %8s %9s %8s%n", "benchmark", "questions", "contaminated", "fraction", "too-short", "n-grams");
      for (BenchmarkOverlap b : r.benchmarks()) {
        out.printf(Locale.ROOT, "%-12s %9d %12d %8.4f %9d %8d%n",
            b.benchmark(), b.questions(), b.contaminated(), b.fraction(), b.tooShort(), b.overlappingNgrams());
      }
    }
    out.flush();
    return 0;
  }
}
