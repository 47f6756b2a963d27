package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.eval.stats.PowerAnalysis;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code medadapt power}: how many questions a comparison needs, and what it can detect.
 *
 * <pre>
 * ./medadapt power --p 0.3 --delta 0.05
 * ./medadapt power --p 0.3 --delta 0.05 --n 200 --discordant 0.2 --alpha 0.05 --power 0.8
 * </pre>
 */
@Command(
    name = "power",
    mixinStandardHelpOptions = true,
    description =
        "Sample size for detecting an accuracy change p -> p + delta (two-sided test), and the minimum detectable "
            + "difference at n questions. Independent samples: Fleiss, Levin & Paik (2003) eq. 4.14; paired runs on "
            + "the same questions (McNemar): Connor (1987), needs --discordant.")
public final class PowerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--p", required = true, description = "baseline accuracy, in (0, 1)")
  double p;

  @Option(names = "--delta", required = true, description = "improvement to detect, in (0, 1 - p)")
  double delta;

  @Option(names = "--alpha", defaultValue = "0.05", description = "two-sided significance level (default: ${DEFAULT-VALUE})")
  double alpha;

  @Option(names = "--power", defaultValue = "0.8", description = "target power (default: ${DEFAULT-VALUE})")
  double power;

  @Option(names = "--n", defaultValue = "200",
      description = "questions per benchmark for the minimum detectable difference (default: ${DEFAULT-VALUE}, the reference study's)")
  int n;

  @Option(names = "--discordant",
      description = "expected share of questions answered right by exactly one of two paired runs (enables the paired analysis)")
  Double discordant;

  @Option(names = "--json", description = "print one JSON object instead of text")
  boolean json;

  @Override
  public Integer call() {
    PowerAnalysis pa = new PowerAnalysis(alpha, power);
    double exact = pa.twoProportionSampleSizeExact(p, delta);
    int perArm = pa.twoProportionSampleSize(p, delta);
    double mdd = pa.minimumDetectableDifference(p, n);
    Integer pairedN = null;
    Double pairedExact = null;
    Double pairedMdd = null;
    if (discordant != null) {
      if (delta >= discordant) {
        throw new ConfigurationException(
            "--delta " + delta + " must be smaller than --discordant " + discordant
                + " (a paired difference cannot exceed the share of discordant questions)");
      }
      pairedExact = pa.pairedSampleSizeExact(discordant, delta);
      pairedN = pa.pairedSampleSize(discordant, delta);
      pairedMdd = pa.pairedMinimumDetectableDifference(discordant, n);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      StringBuilder sb = new StringBuilder("{");
      sb.append(f("\"p\": %s, \"delta\": %s, \"alpha\": %s, \"power\": %s, ", p, delta, alpha, power));
      sb.append(f("\"n_per_arm\": %d, \"n_per_arm_exact\": %s, \"n\": %d, \"mdd\": %s", perArm, exact, n, mdd));
      if (pairedN != null) {
        sb.append(f(", \"discordant\": %s, \"paired_n\": %d, \"paired_n_exact\": %s, \"paired_mdd\": %s",
            discordant, pairedN, pairedExact, pairedMdd));
      }
      out.println(sb.append('}'));
    } else {
      out.println(f("Two-sided test at alpha = %s with power %s, baseline accuracy %s -> %s", alpha, power, p,
          java.math.BigDecimal.valueOf(p).add(java.math.BigDecimal.valueOf(delta)).toPlainString()));
      out.println(f("Independent samples: %d questions per arm (exact %.2f)", perArm, exact));
      out.println(f("Minimum detectable difference at n = %d per arm: %.4f (%s -> %.4f)", n, mdd, p, p + mdd));
      if (pairedN != null) {
        out.println(f("Paired runs, McNemar, discordant share %s: %d questions (exact %.2f)", discordant, pairedN, pairedExact));
        out.println(f("Paired minimum detectable difference at n = %d: %.4f", n, pairedMdd));
      }
    }
    out.flush();
    return 0;
  }

  private static String f(String fmt, Object... args) {
    return String.format(Locale.ROOT, fmt, args);
  }
}
