package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExampleCommandTest {

  @Test
  void helpListsEveryExampleProgram() {
    CliResult r = CliResult.run("example", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("ChatExample, chat", "RagExample, rag", "FineTuneExample, finetune",
        "EvaluateExample, evaluate");
  }

  @Test
  void anExampleRefusesAnOptionItDoesNotTakeAndNamesTheOnesItDoes() {
    CliResult r = CliResult.run("example", "chat", "--bogus", "x");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("unknown option \"--bogus\"").contains("--model").contains("--question")
        .doesNotContain("\tat ");
  }

  @Test
  void anUnknownExampleIsAUsageError() {
    CliResult r = CliResult.run("example", "NoSuchExample");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("NoSuchExample");
  }
}
