package dev.medadapt.cli;

import dev.medadapt.core.MedAdaptException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code medadapt} command. Each subcommand lives in its own class in this package; results go
 * to stdout, progress and diagnostics to stderr.
 */
@Command(
    name = "medadapt",
    mixinStandardHelpOptions = true,
    versionProvider = MedAdaptCli.Version.class,
    description = "Adapt small open LLMs to medicine and measure, with statistics, whether it worked.",
    subcommands = {
      CommandLine.HelpCommand.class,
      StudyCommand.class,
      GenerateCommand.class,
      LogitsCommand.class,
      IndexCommand.class,
      SearchCommand.class,
      AskCommand.class,
      IrEvalCommand.class,
      TrainCommand.class,
      MergeCommand.class,
      EvalCommand.class,
      CompareCommand.class,
      PowerCommand.class,
      ScoreCommand.class,
      ContaminationCommand.class,
      BaselineCommand.class,
      ExampleCommand.class,
    })
public final class MedAdaptCli implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  /** Builds the command line with MedAdapt's error handling: a {@link MedAdaptException} prints its message only. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new MedAdaptCli());
    cl.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          PrintWriter err = cmd.getErr();
          if (ex instanceof MedAdaptException) {
            err.println("error: " + ex.getMessage());
          } else {
            err.println("error: " + ex);
            ex.printStackTrace(err);
          }
          err.flush();
          return 1;
        });
    return cl;
  }

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    System.out.flush();
    System.exit(code);
  }

  /** Reads the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = MedAdaptCli.class.getPackage().getImplementationVersion();
      return new String[] {"medadapt " + (v == null ? "development build" : v)};
    }
  }
}
