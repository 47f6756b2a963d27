package dev.medadapt.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Exit code and captured output of one in-process {@code medadapt} command. */
record CliResult(int code, String out, String err) {

  /** Runs {@code args} through {@link MedAdaptCli#commandLine()} with stdout and stderr captured. */
  static CliResult run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = MedAdaptCli.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new CliResult(code, out.toString(), err.toString());
  }
}
